import DjinitSettings

/// A setting or argument `async` cannot start a worker with; nothing was started.
struct AsyncSetupError: Error, CustomStringConvertible {
    let description: String
}

/// How `async` starts its worker (and Celery's beat): the command lines, from the settings.
struct WorkerLaunch: Equatable {
    let worker: WorkerKind
    /// `$DJINIT_PYTHON -m celery -A APP worker ...` or `$DJINIT_PYTHON manage.py qcluster ...`.
    let arguments: [String]
    /// `$DJINIT_PYTHON -m celery -A APP beat ...` when `DJINIT_BEAT` is on.
    let beatArguments: [String]?
    /// Settings that do not fit together, one sentence each, for the log.
    let warnings: [String]

    /// Where beat keeps its schedule unless `DJINIT_BEAT_ARGS` says otherwise: the working
    /// directory, Celery's default, is read-only in a hardened pod, and /tmp is writable.
    static let beatSchedule = "/tmp/celerybeat-schedule"

    /// - Parameters:
    ///   - settingsModule: `DJANGO_SETTINGS_MODULE`, or the one `manage.py` names; the default
    ///     Celery app is its package.
    ///   - cpus: the container's CPUs (`CPULimit.availableCPUs()`), for the default concurrency.
    ///   - extraArguments: the command line's, after `DJINIT_WORKER_ARGS`, so they win.
    static func make(worker: WorkerKind, settings: Settings, settingsModule: String?, cpus: Double,
                     extraArguments: [String]) throws(AsyncSetupError) -> WorkerLaunch {
        let python = settings[Schema.python]
        let userArguments = settings[Schema.workerArgs].argumentWords + extraArguments
        var warnings: [String] = []
        if settings[Schema.workerGrace] >= settings[Schema.grace] {
            warnings.append("DJINIT_WORKER_GRACE (\(settings[Schema.workerGrace].settingText)) is not below DJINIT_GRACE "
                + "(\(settings[Schema.grace].settingText)): tasks still running when the grace ends are killed without "
                + "the worker's cold shutdown; lower DJINIT_WORKER_GRACE")
        }
        switch worker {
        case .djangoQ:
            guard !settings[Schema.beat] else {
                throw AsyncSetupError(description: "async: DJINIT_BEAT runs celery beat, but the worker is django-q2, "
                    + "whose qcluster schedules tasks itself: unset DJINIT_BEAT")
            }
            let celeryOnly = [Schema.workerConcurrency.name: settings[Schema.workerConcurrency] != nil,
                              Schema.workerPool.name: settings[Schema.workerPool] != nil,
                              Schema.workerQueues.name: settings[Schema.workerQueues] != nil]
            for (name, set) in celeryOnly.sorted(by: { $0.key < $1.key }) where set {
                warnings.append("\(name) applies to Celery only; django-q2 takes its workers from Q_CLUSTER")
            }
            return WorkerLaunch(worker: worker, arguments: [python, settings[Schema.managePy], "qcluster"] + userArguments,
                                beatArguments: nil, warnings: warnings)
        case .celery:
            let app = try celeryApp(settings: settings, settingsModule: settingsModule)
            var arguments = [python, "-m", "celery", "-A", app, "worker"]
            let pool = settings[Schema.workerPool]
            if let concurrency = settings[Schema.workerConcurrency]?.value
                ?? (pool == nil || pool == .prefork || pool == .threads ? defaultConcurrency(cpus: cpus) : nil) {
                arguments += ["--concurrency", String(concurrency)]
            }
            if let pool { arguments += ["--pool", pool.rawValue] }
            if let queues = settings[Schema.workerQueues] { arguments += ["--queues", queues.settingText] }
            let beat = settings[Schema.beat] ? celeryBeat(python: python, app: app, settings: settings) : nil
            return WorkerLaunch(worker: worker, arguments: arguments + userArguments, beatArguments: beat,
                                warnings: warnings)
        }
    }

    /// Celery's beat for the app `settingsModule` implies (or `DJINIT_CELERY_APP`): what `djinit
    /// beat` runs when it is given no command.
    static func celeryBeat(settings: Settings, settingsModule: String?) throws(AsyncSetupError) -> [String] {
        celeryBeat(python: settings[Schema.python], app: try celeryApp(settings: settings, settingsModule: settingsModule),
                   settings: settings)
    }

    private static func celeryBeat(python: String, app: String, settings: Settings) -> [String] {
        [python, "-m", "celery", "-A", app, "beat", "--schedule", beatSchedule] + settings[Schema.beatArgs].argumentWords
    }

    /// One process per CPU of the container's limit, rounded up (half a CPU still runs one).
    /// Celery's own default is the node's CPU count, which over-subscribes a small pod on a big node.
    static func defaultConcurrency(cpus: Double) -> Int {
        max(1, Int(cpus.rounded(.up)))
    }

    private static func celeryApp(settings: Settings, settingsModule: String?) throws(AsyncSetupError) -> String {
        if let app = settings[Schema.celeryApp] { return app }
        guard let package = settingsModule.flatMap(DjangoProject.projectPackage(ofSettingsModule:)) else {
            throw AsyncSetupError(description: "async: cannot tell the Celery app: set DJINIT_CELERY_APP (like mysite), "
                + "or DJANGO_SETTINGS_MODULE, or give \(settings[Schema.managePy]) an "
                + "os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", ...) line")
        }
        return package
    }
}
