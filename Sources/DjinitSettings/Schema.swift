/// How `djinit exec` forwards the signals it receives.
public enum SignalTarget: String, EnumSettingValue {
    /// To the main child only, which then decides what its own children get.
    case child
    /// To the main child's whole process group, grandchildren included.
    case group
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

    public static let probePort = Setting<Port>(
        "DJINIT_PROBE_PORT", default: Port(8081), usedBy: [.run, .async, .probe],
        "Port of djinit's own probe server (`/livez`, `/readyz`, `/startupz`, `/metrics`), apart from "
            + "the application's port so that probes bypass Django's ALLOWED_HOSTS.")

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
        probePort.descriptor,
        drainDelay.descriptor,
        grace.descriptor,
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
