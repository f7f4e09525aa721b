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

/// Which task queue `async` runs: see `DJINIT_ASYNC`.
public enum AsyncWorkerSetting: String, EnumSettingValue {
    case celery
    case djangoQ = "django-q"
    case auto
}

/// Celery's built-in execution pools, for `DJINIT_WORKER_POOL`.
public enum CeleryPoolSetting: String, EnumSettingValue {
    case prefork, threads, solo, gevent, eventlet
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
/// Adding a setting means naming it in `SettingName`, declaring it here and mapping its name to
/// the declaration in `descriptor(of:)`; the reference table, `djinit config`, the
/// unknown-variable check and djinit-kube pick it up from there.
public enum Schema {
    public static let logLevel = Setting<LogLevelSetting>(
        .logLevel, default: .info,
        "Least severe log events written to standard error.")

    public static let logFormat = Setting<LogFormatSetting>(
        .logFormat, default: .text,
        "`text` writes `[djinit] message key=value` lines; `json` writes one JSON object per line "
            + "(`time`, `level`, `event`, `message`, fields).")

    public static let databaseURL = Setting<DatabaseURL?>(
        .databaseURL, default: nil, usedBy: [.`init`, .run, .async, .beat], secret: true,
        "The application's database, as Django reads it (may go through a pooler). Unset: libpq's "
            + "`PG*` variables apply. Printed with its password redacted.")

    public static let migrateDatabaseURL = Setting<DatabaseURL?>(
        .migrateDatabaseURL, default: nil, usedBy: [.`init`, .async, .beat], secret: true,
        "A direct, non-pooled connection for migrations and advisory locks; defaults to `DATABASE_URL`.")

    public static let djangoSettingsModule = Setting<String?>(
        .djangoSettingsModule, default: nil, usedBy: [.`init`, .run, .async, .beat],
        "Django's settings module. Unset: read from `manage.py`'s `os.environ.setdefault` line.")

    public static let python = Setting<String>(
        .python, default: "python", usedBy: [.`init`, .run, .async, .beat],
        "The Python interpreter that runs `manage.py` (looked up on `PATH`).")

    public static let managePy = Setting<String>(
        .managePy, default: "manage.py", usedBy: [.`init`, .run, .async, .beat],
        "Path of the project's `manage.py`, relative to the working directory.")

    public static let killGrace = Setting<Duration>(
        .killGrace, default: .seconds(10), usedBy: [.exec, .`init`],
        "After SIGTERM, how long the main child and then the rest of the process tree get to exit "
            + "before SIGKILL (`run` and `async` use `DJINIT_GRACE`).")

    public static let signalTarget = Setting<SignalTarget>(
        .signalTarget, default: .child, usedBy: [.exec],
        "Where forwarded signals go: the main `child` only, or its whole process `group`.")

    public static let waitTimeout = Setting<Duration>(
        .waitTimeout, default: .seconds(120), usedBy: [.`init`],
        "How long `init` waits for PostgreSQL to accept a login as a writable primary before it gives "
            + "up with the last reason.")

    public static let waitInterval = Setting<Duration>(
        .waitInterval, default: .milliseconds(50), usedBy: [.`init`, .async, .beat],
        "The longest pause between two connection attempts while waiting (the first come within "
            + "milliseconds and back off to this).")

    public static let migrate = Setting<Bool>(
        .migrate, default: true, usedBy: [.`init`],
        "Whether `init` runs `manage.py migrate --noinput` (under the migration lock).")

    public static let migrateArgs = Setting<String>(
        .migrateArgs, default: "", usedBy: [.`init`],
        "Extra arguments for `migrate`, separated by spaces, e.g. `--skip-checks`.")

    public static let initCommands = Setting<String>(
        .initCommands, default: "", usedBy: [.`init`],
        "`manage.py` commands run after `migrate`, in order and under the same lock, separated by "
            + "`;`, e.g. `createcachetable; compilemessages --ignore=.venv`.")

    public static let lockMode = Setting<LockModeSetting>(
        .lockMode, default: .transaction, usedBy: [.`init`, .async, .beat],
        "`transaction` holds the migration lock in an open transaction (safe directly and through "
            + "PgBouncer in any pooling mode); `session` holds it on the session (direct connections only).")

    public static let lockName = Setting<String?>(
        .lockName, default: nil, usedBy: [.`init`],
        "Name the migration lock key is derived from (a 64-bit FNV-1a hash; a number is used as the "
            + "key itself). Unset: `djinit:migrate:` followed by the database name.")

    public static let collectStatic = Setting<Bool>(
        .collectStatic, default: true, usedBy: [.`init`],
        "Whether `init` runs `manage.py collectstatic --noinput`, at once and beside the wait and "
            + "`migrate`.")

    public static let sharedStaticRoot = Setting<AbsolutePath?>(
        .sharedStaticRoot, default: nil, usedBy: [.`init`],
        "Set to Django's `STATIC_ROOT` when it is a volume shared by replicas: `collectstatic` then "
            + "runs under its own advisory lock, and is skipped when a fingerprint of the static "
            + "sources, stored beside the files, has not changed.")

    public static let probePort = Setting<Port>(
        .probePort, default: Port(8081), usedBy: [.run, .async, .beat, .probe],
        "Port of djinit's own probe server (`/livez`, `/readyz`, `/startupz`, `/metrics`), apart from "
            + "the application's port so that probes bypass Django's ALLOWED_HOSTS.")

    public static let httpPort = Setting<Port>(
        .httpPort, default: Port(8000), usedBy: [.run],
        "Port the application server listens on, on all interfaces; the Service, Ingress and "
            + "NetworkPolicies that djinit-kube writes point at it.")

    public static let httpHost = Setting<IPv4Address>(
        .httpHost, default: try! IPv4Address("0.0.0.0"), usedBy: [.run],
        "Address gunicorn binds, with `DJINIT_HTTP_PORT`; `0.0.0.0` is every interface.")

    public static let httpApp = Setting<String?>(
        .httpApp, default: nil, usedBy: [.run],
        "The application gunicorn serves, as `module:callable`. Unset: `PACKAGE.wsgi:application` (or "
            + "`PACKAGE.asgi:application`), PACKAGE being the settings module's package.")

    public static let httpInterface = Setting<AppInterface>(
        .httpInterface, default: .wsgi, usedBy: [.run],
        "`wsgi` runs gunicorn's own workers; `asgi` runs `uvicorn_worker.UvicornWorker` workers.")

    public static let httpWorkers = Setting<Count?>(
        .httpWorkers, default: nil, usedBy: [.run],
        "gunicorn worker processes. Unset: 2 x CPUs + 1 (at least 2), CPUs being the container's "
            + "cgroup CPU limit, not the node's CPU count.")

    public static let httpMetrics = Setting<Bool>(
        .httpMetrics, default: true, usedBy: [.run], since: Release(0, 2, 0),
        "Request metrics on `/metrics`: gunicorn sends its statsD datagrams to djinit on loopback "
            + "(`--statsd-host`, unless the command line names its own), and djinit counts requests by status "
            + "class and their durations. `false`: none.")

    public static let httpAccessLog = Setting<Bool>(
        .httpAccessLog, default: true, usedBy: [.run], since: Release(0, 2, 0),
        "gunicorn's access log on standard output (`--access-logfile -`). It costs about a tenth of the "
            + "requests per second of a trivial view; the request metrics do not need it.")

    public static let readyCheckPath = Setting<URLPath?>(
        .readyCheckPath, default: nil, usedBy: [.run],
        "A path `/readyz` also requests through gunicorn, which must answer 2xx or 3xx; it should not "
            + "need the database. Unset: `/readyz` only checks that gunicorn accepts connections.")

    public static let readyCheckHost = Setting<HostHeader>(
        .readyCheckHost, default: try! HostHeader("localhost"), usedBy: [.run],
        "The `Host` header of that request: a name in Django's `ALLOWED_HOSTS`.")

    public static let readyCheckInterval = Setting<Duration>(
        .readyCheckInterval, default: .seconds(1), usedBy: [.run, .async],
        "How often readiness is checked; probes are answered from the latest result, so they never "
            + "add load on the application.")

    public static let readyCheckTimeout = Setting<Duration>(
        .readyCheckTimeout, default: .seconds(1), usedBy: [.run, .async],
        "How long one readiness check (connect, and the request to the check path) may take.")

    public static let secretsDir = Setting<AbsolutePath?>(
        .secretsDir, default: nil,
        "A directory of secrets, such as a mounted Kubernetes Secret: each file becomes an environment "
            + "variable of djinit and its children (file name as the name, content as the value, one "
            + "trailing newline dropped). Unset: none.")

    public static let drainDelay = Setting<Duration>(
        .drainDelay, default: .seconds(5), usedBy: [.run],
        "After SIGTERM, how long the server keeps serving (with `/readyz` failing) while endpoints "
            + "and load balancers stop sending it traffic.")

    public static let grace = Setting<Duration>(
        .grace, default: .seconds(30), usedBy: [.run, .async, .beat],
        "The whole shutdown budget from SIGTERM to SIGKILL of whatever is left; the pod's "
            + "`terminationGracePeriodSeconds` must cover it.")

    public static let asyncWorker = Setting<AsyncWorkerSetting>(
        .asyncWorker, default: .auto, usedBy: [.async],
        "Which worker `async` runs: `celery` (`celery worker`), `django-q` (django-q2's `qcluster`), or "
            + "`auto`: decided from the project's files without starting Python (a Celery app or `CELERY_` "
            + "settings; `django_q` in the settings), and logged with the reason.")

    public static let celeryApp = Setting<String?>(
        .celeryApp, default: nil, usedBy: [.async, .beat],
        "Celery's `-A` application. Unset: the settings module's package (`mysite`), where Celery finds "
            + "`mysite.celery`.")

    public static let workerConcurrency = Setting<Count?>(
        .workerConcurrency, default: nil, usedBy: [.async],
        "Celery worker processes (`--concurrency`). Unset: the container's CPU limit, rounded up, for the "
            + "`prefork` and `threads` pools; Celery's own default for the others. django-q2 takes its "
            + "workers from `Q_CLUSTER`.")

    public static let workerPool = Setting<CeleryPoolSetting?>(
        .workerPool, default: nil, usedBy: [.async],
        "Celery's execution pool (`--pool`). Unset: Celery's default, `prefork`.")

    public static let workerQueues = Setting<QueueNames?>(
        .workerQueues, default: nil, usedBy: [.async],
        "Queues the Celery worker consumes (`--queues`), separated by commas; their lengths are on "
            + "`/metrics`. Unset: Celery's default queue, `celery`.")

    public static let workerArgs = Setting<String>(
        .workerArgs, default: "", usedBy: [.async],
        "Extra arguments for `celery worker` or `qcluster`, separated by spaces, after djinit's own "
            + "(so they win), e.g. `--max-tasks-per-child 100`.")

    public static let workerGrace = Setting<Duration>(
        .workerGrace, default: .seconds(20), usedBy: [.async],
        "After SIGTERM, how long the worker may finish its running tasks: then Celery gets SIGQUIT (cold "
            + "shutdown) and `qcluster` SIGKILL. Keep it below `DJINIT_GRACE`.")

    public static let workerHangTimeout = Setting<Duration>(
        .workerHangTimeout, default: .seconds(30), usedBy: [.async],
        "`/livez` fails when the worker's main loop (Celery's main process, django-q2's sentinel) has not "
            + "woken up for this long: stopped, deadlocked or spinning.")

    public static let beat = Setting<Bool>(
        .beat, default: false, usedBy: [.async],
        "Whether `async` also runs `celery beat`, only while it holds the cluster-wide beat lock (a "
            + "PostgreSQL advisory lock on the direct database URL), so that exactly one replica runs it.")

    public static let beatArgs = Setting<String>(
        .beatArgs, default: "", usedBy: [.async, .beat],
        "Extra arguments for `celery beat`, separated by spaces, e.g. "
            + "`--scheduler django_celery_beat.schedulers:DatabaseScheduler`.")

    public static let beatLockName = Setting<String?>(
        .beatLockName, default: nil, usedBy: [.async, .beat],
        "Name the beat lock key is derived from (like `DJINIT_LOCK_NAME`). Unset: `djinit:beat:` followed "
            + "by the database name.")

    public static let celeryBrokerURL = Setting<BrokerURL?>(
        .celeryBrokerURL, default: nil, usedBy: [.async], secret: true,
        "Celery's broker, as Celery reads it; `/readyz` of a Celery worker checks that it answers (Redis: "
            + "`PING`; AMQP and TLS: a TCP connect). Unset: the broker is not checked.")

    /// Every setting, in the order the reference table lists them: for listings (`djinit
    /// config`, the README, djinit-kube). Built on first use, which start-up never makes: it would
    /// build all 45 declarations (`Settings.init(environment:)`).
    public static let all: [SettingDescriptor] = SettingName.allCases.map(descriptor(of:))

    /// The declaration of the setting `name` names, type-erased.
    public static func descriptor(of name: SettingName) -> SettingDescriptor {
        switch name {
        case .logLevel: logLevel.descriptor
        case .logFormat: logFormat.descriptor
        case .killGrace: killGrace.descriptor
        case .signalTarget: signalTarget.descriptor
        case .databaseURL: databaseURL.descriptor
        case .migrateDatabaseURL: migrateDatabaseURL.descriptor
        case .djangoSettingsModule: djangoSettingsModule.descriptor
        case .python: python.descriptor
        case .managePy: managePy.descriptor
        case .waitTimeout: waitTimeout.descriptor
        case .waitInterval: waitInterval.descriptor
        case .migrate: migrate.descriptor
        case .migrateArgs: migrateArgs.descriptor
        case .initCommands: initCommands.descriptor
        case .lockMode: lockMode.descriptor
        case .lockName: lockName.descriptor
        case .collectStatic: collectStatic.descriptor
        case .sharedStaticRoot: sharedStaticRoot.descriptor
        case .probePort: probePort.descriptor
        case .httpPort: httpPort.descriptor
        case .httpHost: httpHost.descriptor
        case .httpApp: httpApp.descriptor
        case .httpInterface: httpInterface.descriptor
        case .httpWorkers: httpWorkers.descriptor
        case .httpMetrics: httpMetrics.descriptor
        case .httpAccessLog: httpAccessLog.descriptor
        case .readyCheckPath: readyCheckPath.descriptor
        case .readyCheckHost: readyCheckHost.descriptor
        case .readyCheckInterval: readyCheckInterval.descriptor
        case .readyCheckTimeout: readyCheckTimeout.descriptor
        case .drainDelay: drainDelay.descriptor
        case .grace: grace.descriptor
        case .asyncWorker: asyncWorker.descriptor
        case .celeryApp: celeryApp.descriptor
        case .workerConcurrency: workerConcurrency.descriptor
        case .workerPool: workerPool.descriptor
        case .workerQueues: workerQueues.descriptor
        case .workerArgs: workerArgs.descriptor
        case .workerGrace: workerGrace.descriptor
        case .workerHangTimeout: workerHangTimeout.descriptor
        case .beat: beat.descriptor
        case .beatArgs: beatArgs.descriptor
        case .beatLockName: beatLockName.descriptor
        case .celeryBrokerURL: celeryBrokerURL.descriptor
        case .secretsDir: secretsDir.descriptor
        }
    }

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

/// How fast a connection to PostgreSQL whose other end vanished (a node lost, a network
/// partition: nothing closes the connection) is found dead and closed, on both ends. Constants,
/// not settings: djinit's own connections, the advisory locks it holds and the manifests
/// djinit-kube writes (PgBouncer's sockets, PGOPTIONS) must agree on them.
///
/// The server's side is what matters for a lock: PostgreSQL releases an advisory lock only when it
/// ends the backend, and with Linux's defaults it notices a vanished client after about two hours.
/// With these, the first probe goes out after 10 s of silence and the connection is given up after
/// three unanswered probes 5 s apart, or 30 s of unacknowledged data: the lock is free again about
/// half a minute after its holder vanished.
public enum DeadPeerDetection {
    public static let keepaliveIdleSeconds = 10
    public static let keepaliveIntervalSeconds = 5
    public static let keepaliveCount = 3
    public static let userTimeoutMilliseconds = 30_000

    /// The server's settings for one session or transaction (PostgreSQL 12 or later), in the
    /// order `SET` takes them.
    public static let serverSettings: [(name: String, value: String)] = [
        ("tcp_keepalives_idle", String(keepaliveIdleSeconds)),
        ("tcp_keepalives_interval", String(keepaliveIntervalSeconds)),
        ("tcp_keepalives_count", String(keepaliveCount)),
        ("tcp_user_timeout", String(userTimeoutMilliseconds)),
    ]

    /// The same as libpq's `options` (and `PGOPTIONS`): the server applies them to every session
    /// that connects with them.
    public static let startupOptions = serverSettings.map { "-c \($0.name)=\($0.value)" }.joined(separator: " ")

    /// The client's side, as libpq's connection keywords.
    public static let clientKeywords: [(String, String)] = [
        ("keepalives", "1"), ("keepalives_idle", String(keepaliveIdleSeconds)),
        ("keepalives_interval", String(keepaliveIntervalSeconds)), ("keepalives_count", String(keepaliveCount)),
        ("tcp_user_timeout", String(userTimeoutMilliseconds)),
    ]
}

/// django-q2's ORM broker, as djinit and djinit-kube both read it: `djinit async` reports its
/// queue on `/metrics`, and KEDA's PostgreSQL trigger, which djinit-kube writes, scales on the same
/// count.
public enum DjangoQBroker {
    /// The tasks queued: in the broker's table, those no worker holds a lock on (a worker that takes
    /// a task moves its lock into the future), of every cluster, since djinit cannot know a
    /// cluster's name without starting Python.
    public static let queuedTasks = "SELECT count(*) FROM django_q_ormq WHERE lock <= now()"
}
