import DjinitSettings
import DjinitText

/// A setting or argument `run` cannot start gunicorn with; nothing was started.
struct RunSetupError: Error, CustomStringConvertible {
    let description: String
}

/// How `run` starts gunicorn: the command line, from the settings, and what does not fit.
struct GunicornLaunch: Equatable {
    /// `$DJINIT_PYTHON -m gunicorn ...`: only the interpreter has to be on `PATH`.
    let arguments: [String]
    let workers: Int
    /// gunicorn's `--graceful-timeout` in seconds: how long, once it got SIGTERM, its workers may
    /// finish the requests they are serving.
    let gracefulTimeoutSeconds: Int
    /// How many requests one worker serves at once: 1 for the sync worker, `--threads` for the
    /// threaded one; nil for a worker class without a fixed number (gevent, eventlet, the ASGI
    /// worker), whose busy-worker utilisation is then not defined.
    let requestsPerWorker: Int?
    /// Whether gunicorn sends its statsD datagrams to djinit.
    let sendsMetrics: Bool
    /// Settings that do not fit together, one sentence each, for the log.
    let warnings: [String]

    /// Time kept back from the budget after gunicorn's graceful timeout, for gunicorn to reap its
    /// workers and exit before djinit's SIGKILL.
    static let exitMargin: Duration = .seconds(1)

    /// - Parameters:
    ///   - settingsModule: `DJANGO_SETTINGS_MODULE`, or the one `manage.py` names; needed only
    ///     when `DJINIT_HTTP_APP` is unset.
    ///   - cpus: the container's CPUs (`CPULimit.availableCPUs()`), for the default worker count.
    ///   - statsdPort: where djinit receives statsD datagrams, when `DJINIT_HTTP_METRICS` is on.
    ///   - extraArguments: passed to gunicorn after djinit's own options, so they win.
    static func make(settings: Settings, settingsModule: String?, cpus: Double, statsdPort: UInt16?,
                     extraArguments: [String]) throws(RunSetupError) -> GunicornLaunch {
        let interface = settings[Schema.httpInterface]
        let app: String
        if let configured = settings[Schema.httpApp] {
            app = configured
        } else {
            guard let settingsModule else {
                throw RunSetupError(description: "run: cannot tell which application to serve: set DJINIT_HTTP_APP "
                    + "(like mysite.wsgi:application), or DJANGO_SETTINGS_MODULE, or give "
                    + "\(settings[Schema.managePy]) an os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", ...) line")
            }
            guard let package = DjangoProject.projectPackage(ofSettingsModule: settingsModule) else {
                throw RunSetupError(description: "run: the settings module \(Escaping.quotedValue(settingsModule)) is not in a package, "
                    + "so the application cannot be derived from it: set DJINIT_HTTP_APP")
            }
            app = "\(package).\(interface.rawValue):application"
        }

        let workers = settings[Schema.httpWorkers]?.value ?? defaultWorkers(cpus: cpus)
        let grace = settings[Schema.grace]
        let drainDelay = settings[Schema.drainDelay]
        let derivedTimeout = Int(max(.seconds(1), grace - drainDelay - exitMargin).components.seconds)
        let gracefulTimeout = try wholeNumber("--graceful-timeout", in: extraArguments) ?? derivedTimeout
        let threads = try wholeNumber("--threads", in: extraArguments) ?? 1
        let workerClass = value(of: ["-k", "--worker-class"], in: extraArguments)
            ?? (interface == .asgi ? "uvicorn_worker.UvicornWorker" : "sync")
        // gunicorn turns the sync worker into the threaded one when --threads is above 1.
        let requestsPerWorker: Int? = ["sync", "gthread"].contains(workerClass) ? max(1, threads) : nil
        // A statsD host of the user's own wins: gunicorn sends to one only.
        let sendsMetrics = statsdPort != nil && value(of: ["--statsd-host"], in: extraArguments) == nil

        var warnings: [String] = []
        let needed = drainDelay + .seconds(gracefulTimeout) + exitMargin
        if needed > grace {
            warnings.append("DJINIT_DRAIN_DELAY (\(drainDelay.settingText)) plus gunicorn's graceful timeout "
                + "(\(gracefulTimeout)s) and \(exitMargin.settingText) to exit need \(needed.settingText), more than "
                + "DJINIT_GRACE (\(grace.settingText)): requests still running when the grace ends are cut off by "
                + "SIGKILL; raise DJINIT_GRACE (and the pod's terminationGracePeriodSeconds with it)")
        }

        var arguments = [settings[Schema.python], "-m", "gunicorn",
                         "--bind", "\(settings[Schema.httpHost]):\(settings[Schema.httpPort])",
                         "--workers", String(workers),
                         "--graceful-timeout", String(gracefulTimeout)]
        if settings[Schema.httpAccessLog] { arguments += ["--access-logfile", "-"] }
        if sendsMetrics, let statsdPort { arguments += ["--statsd-host", "127.0.0.1:\(statsdPort)"] }
        if interface == .asgi { arguments += ["--worker-class", "uvicorn_worker.UvicornWorker"] }
        arguments += extraArguments + [app]
        return GunicornLaunch(arguments: arguments, workers: workers, gracefulTimeoutSeconds: gracefulTimeout,
                              requestsPerWorker: requestsPerWorker, sendsMetrics: sendsMetrics,
                              warnings: warnings)
    }

    /// gunicorn's own formula, 2 x CPUs + 1, but from the container's CPU limit (which may be a
    /// fraction), and at least 2 so that one slow request never blocks every other.
    static func defaultWorkers(cpus: Double) -> Int {
        max(2, Int((2 * cpus).rounded(.down)) + 1)
    }

    /// The value of the last `OPTION N` or `OPTION=N` the user passed, as whole number.
    private static func wholeNumber(_ option: String, in arguments: [String]) throws(RunSetupError) -> Int? {
        guard let found = value(of: [option], in: arguments) else { return nil }
        guard let number = Int(found), number >= 0 else {
            throw RunSetupError(description: "run: \(option): expected a whole number, got \(Escaping.quotedValue(found))")
        }
        return number
    }

    /// The value of the last of `options` the user passed (`--opt value`, `--opt=value`, `-k value`).
    private static func value(of options: [String], in arguments: [String]) -> String? {
        var found: String?
        for (index, argument) in arguments.enumerated() {
            for option in options {
                if argument == option {
                    found = index + 1 < arguments.count ? arguments[index + 1] : ""
                } else if option.hasPrefix("--"), argument.hasPrefix(option + "=") {
                    found = String(argument.dropFirst(option.count + 1))
                }
            }
        }
        return found
    }
}
