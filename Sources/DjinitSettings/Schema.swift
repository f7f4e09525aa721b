/// How `djinit exec` forwards the signals it receives.
public enum SignalTarget: String, EnumSettingValue {
    /// To the main child only, which then decides what its own children get.
    case child
    /// To the main child's whole process group, grandchildren included.
    case group
}

/// The interface between gunicorn and the Django application.
public enum AppInterface: String, EnumSettingValue {
    /// WSGI, with gunicorn's own workers.
    case wsgi
    /// ASGI, with `uvicorn_worker.UvicornWorker` workers.
    case asgi
}

/// Where `init` keeps its advisory locks: see `DJINIT_LOCK_MODE`.
public enum LockModeSetting: String, EnumSettingValue {
    case transaction, session
}

/// `DJINIT_LOG_LEVEL`'s values.
public enum LogLevelSetting: String, EnumSettingValue {
    case debug, info, warn, error
}

/// `DJINIT_LOG_FORMAT`'s values.
public enum LogFormatSetting: String, EnumSettingValue {
    case text, json
}

/// Every setting djinit reads, declared once.
///
/// Adding a setting means declaring it here and listing it in `all`; the reference table, `djinit
/// config`, the unknown-variable check and djinit-kube pick it up from there.
public enum Schema {
    public static let logLevel = Setting<LogLevelSetting>(
        "DJINIT_LOG_LEVEL", default: .info,
        "Least severe log events written to standard error.")

    public static let logFormat = Setting<LogFormatSetting>(
        "DJINIT_LOG_FORMAT", default: .text,
        "`text` writes `[djinit] message key=value` lines; `json` writes one JSON object per line "
            + "(`time`, `level`, `event`, `message`, fields).")

    public static let databaseURL = Setting<DatabaseURL?>(
        "DATABASE_URL", default: nil, usedBy: [.`init`, .run, .async], secret: true,
        "The application's database, as Django reads it (may go through a pooler). Unset: libpq's "
            + "`PG*` variables apply. Printed with its password redacted.")

    public static let migrateDatabaseURL = Setting<DatabaseURL?>(
        "DJINIT_MIGRATE_DATABASE_URL", default: nil, usedBy: [.`init`, .async], secret: true,
        "A direct, non-pooled connection for migrations and advisory locks; defaults to `DATABASE_URL`.")

    public static let djangoSettingsModule = Setting<String?>(
        "DJANGO_SETTINGS_MODULE", default: nil, usedBy: [.`init`, .run, .async],
        "Django's settings module. Unset: read from `manage.py`'s `os.environ.setdefault` line.")

    public static let python = Setting<String>(
        "DJINIT_PYTHON", default: "python", usedBy: [.`init`, .run, .async],
        "The Python interpreter that runs `manage.py` (looked up on `PATH`).")

    public static let managePy = Setting<String>(
        "DJINIT_MANAGE_PY", default: "manage.py", usedBy: [.`init`, .run, .async],
        "Path of the project's `manage.py`, relative to the working directory.")

    public static let killGrace = Setting<Duration>(
        "DJINIT_KILL_GRACE", default: .seconds(10), usedBy: [.exec],
        "After SIGTERM, how long the main child and then the rest of the process tree get to exit "
            + "before SIGKILL.")

    public static let signalTarget = Setting<SignalTarget>(
        "DJINIT_SIGNAL_TARGET", default: .child, usedBy: [.exec],
        "Where forwarded signals go: the main `child` only, or its whole process `group`.")

    public static let waitTimeout = Setting<Duration>(
        "DJINIT_WAIT_TIMEOUT", default: .seconds(120), usedBy: [.`init`],
        "How long `init` waits for PostgreSQL to accept a login as a writable primary before it gives "
            + "up with the last reason.")

    public static let waitInterval = Setting<Duration>(
        "DJINIT_WAIT_INTERVAL", default: .milliseconds(50), usedBy: [.`init`],
        "The longest pause between two connection attempts while waiting (the first come within "
            + "milliseconds and back off to this).")

    public static let migrate = Setting<Bool>(
        "DJINIT_MIGRATE", default: true, usedBy: [.`init`],
        "Whether `init` runs `manage.py migrate --noinput` (under the migration lock).")

    public static let migrateArgs = Setting<String>(
        "DJINIT_MIGRATE_ARGS", default: "", usedBy: [.`init`],
        "Extra arguments for `migrate`, separated by spaces, e.g. `--skip-checks`.")

    public static let initCommands = Setting<String>(
        "DJINIT_INIT_COMMANDS", default: "", usedBy: [.`init`],
        "`manage.py` commands run after `migrate`, in order and under the same lock, separated by "
            + "`;`, e.g. `createcachetable; compilemessages --ignore=.venv`.")

    public static let lockMode = Setting<LockModeSetting>(
        "DJINIT_LOCK_MODE", default: .transaction, usedBy: [.`init`],
        "`transaction` holds the migration lock in an open transaction (safe directly and through "
            + "PgBouncer in any pooling mode); `session` holds it on the session (direct connections only).")

    public static let lockName = Setting<String?>(
        "DJINIT_LOCK_NAME", default: nil, usedBy: [.`init`],
        "Name the migration lock key is derived from (a 64-bit FNV-1a hash; a number is used as the "
            + "key itself). Unset: `djinit:migrate:` followed by the database name.")

    public static let collectStatic = Setting<Bool>(
        "DJINIT_COLLECTSTATIC", default: true, usedBy: [.`init`],
        "Whether `init` runs `manage.py collectstatic --noinput`, at once and beside the wait and "
            + "`migrate`.")

    public static let sharedStaticRoot = Setting<AbsolutePath?>(
        "DJINIT_SHARED_STATIC_ROOT", default: nil, usedBy: [.`init`],
        "Set to Django's `STATIC_ROOT` when it is a volume shared by replicas: `collectstatic` then "
            + "runs under its own advisory lock, and is skipped when a fingerprint of the static "
            + "sources, stored beside the files, has not changed.")

    public static let probePort = Setting<Port>(
        "DJINIT_PROBE_PORT", default: Port(8081), usedBy: [.run, .async, .probe],
        "Port of djinit's own probe server (`/livez`, `/readyz`, `/startupz`, `/metrics`), apart from "
            + "the application's port so that probes bypass Django's ALLOWED_HOSTS.")

    public static let httpPort = Setting<Port>(
        "DJINIT_HTTP_PORT", default: Port(8000), usedBy: [.run],
        "Port the application server listens on, on all interfaces; the Service, Ingress and "
            + "NetworkPolicies that djinit-kube writes point at it.")

    public static let httpHost = Setting<IPv4Address>(
        "DJINIT_HTTP_HOST", default: try! IPv4Address("0.0.0.0"), usedBy: [.run],
        "Address gunicorn binds, with `DJINIT_HTTP_PORT`; `0.0.0.0` is every interface.")

    public static let httpApp = Setting<String?>(
        "DJINIT_HTTP_APP", default: nil, usedBy: [.run],
        "The application gunicorn serves, as `module:callable`. Unset: `PACKAGE.wsgi:application` (or "
            + "`PACKAGE.asgi:application`), PACKAGE being the settings module's package.")

    public static let httpInterface = Setting<AppInterface>(
        "DJINIT_HTTP_INTERFACE", default: .wsgi, usedBy: [.run],
        "`wsgi` runs gunicorn's own workers; `asgi` runs `uvicorn_worker.UvicornWorker` workers.")

    public static let httpWorkers = Setting<Count?>(
        "DJINIT_HTTP_WORKERS", default: nil, usedBy: [.run],
        "gunicorn worker processes. Unset: 2 x CPUs + 1 (at least 2), CPUs being the container's "
            + "cgroup CPU limit, not the node's CPU count.")

    public static let readyCheckPath = Setting<URLPath?>(
        "DJINIT_READY_CHECK_PATH", default: nil, usedBy: [.run],
        "A path `/readyz` also requests through gunicorn, which must answer 2xx or 3xx; it should not "
            + "need the database. Unset: `/readyz` only checks that gunicorn accepts connections.")

    public static let readyCheckHost = Setting<HostHeader>(
        "DJINIT_READY_CHECK_HOST", default: try! HostHeader("localhost"), usedBy: [.run],
        "The `Host` header of that request: a name in Django's `ALLOWED_HOSTS`.")

    public static let readyCheckInterval = Setting<Duration>(
        "DJINIT_READY_CHECK_INTERVAL", default: .seconds(1), usedBy: [.run],
        "How often readiness is checked; probes are answered from the latest result, so they never "
            + "add load on the application.")

    public static let readyCheckTimeout = Setting<Duration>(
        "DJINIT_READY_CHECK_TIMEOUT", default: .seconds(1), usedBy: [.run],
        "How long one readiness check (connect, and the request to the check path) may take.")

    public static let secretsDir = Setting<AbsolutePath?>(
        "DJINIT_SECRETS_DIR", default: nil, usedBy: [.exec],
        "A directory of secrets, such as a mounted Kubernetes Secret: each file becomes an environment "
            + "variable of the child (file name as the name, content as the value, one trailing newline "
            + "dropped). Unset: none.")

    public static let drainDelay = Setting<Duration>(
        "DJINIT_DRAIN_DELAY", default: .seconds(5), usedBy: [.run],
        "After SIGTERM, how long the server keeps serving (with `/readyz` failing) while endpoints "
            + "and load balancers stop sending it traffic.")

    public static let grace = Setting<Duration>(
        "DJINIT_GRACE", default: .seconds(30), usedBy: [.run, .async],
        "The whole shutdown budget from SIGTERM to SIGKILL of whatever is left; the pod's "
            + "`terminationGracePeriodSeconds` must cover it.")

    /// Every setting, in the order the reference table lists them.
    public static let all: [SettingDescriptor] = [
        logLevel.descriptor,
        logFormat.descriptor,
        killGrace.descriptor,
        signalTarget.descriptor,
        databaseURL.descriptor,
        migrateDatabaseURL.descriptor,
        djangoSettingsModule.descriptor,
        python.descriptor,
        managePy.descriptor,
        waitTimeout.descriptor,
        waitInterval.descriptor,
        migrate.descriptor,
        migrateArgs.descriptor,
        initCommands.descriptor,
        lockMode.descriptor,
        lockName.descriptor,
        collectStatic.descriptor,
        sharedStaticRoot.descriptor,
        probePort.descriptor,
        httpPort.descriptor,
        httpHost.descriptor,
        httpApp.descriptor,
        httpInterface.descriptor,
        httpWorkers.descriptor,
        readyCheckPath.descriptor,
        readyCheckHost.descriptor,
        readyCheckInterval.descriptor,
        readyCheckTimeout.descriptor,
        drainDelay.descriptor,
        grace.descriptor,
        secretsDir.descriptor,
    ]

    /// The prefix that marks a variable as djinit's own (others in the schema, like
    /// `DATABASE_URL`, belong to the ecosystem and are only read): an unknown one is an error, not ignored,
    /// so that a misspelt setting cannot silently fall back to its default.
    public static let ownPrefix = "DJINIT_"
}

/// The probe server's endpoints. Constants, not settings: the manifests djinit-kube writes and the
/// probe server djinit runs must agree on them, and nobody needs them elsewhere.
public enum ProbeEndpoint: String, Sendable, CaseIterable {
    /// 200 while djinit's loop runs and the main child is alive; never touches the database.
    case live = "/livez"
    /// 200 while the server accepts connections (and the deep check, if any, passes); 503 from the
    /// first moment of a drain.
    case ready = "/readyz"
    /// 200 once the first readiness check succeeded.
    case startup = "/startupz"
    /// Prometheus text format.
    case metrics = "/metrics"
}
