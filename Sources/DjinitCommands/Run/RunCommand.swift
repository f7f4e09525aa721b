import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitSettings
import DjinitSupervisor

/// `djinit run [--] [GUNICORN ARGS...]` (also `djinit /run`): the web container's command.
///
/// gunicorn under supervision, djinit's probe server beside it on `DJINIT_PROBE_PORT`, and a
/// drain on SIGTERM that drops no request: see `RunShutdown` for that sequence. Everything runs
/// on one event loop: signals, reaping, probe connections and readiness checks.
enum RunCommand {
    static func run(_ arguments: [String], settings: Settings) -> Int32 {
        let extraArguments = arguments.first == "--" ? Array(arguments.dropFirst()) : arguments
        let logger = Logger(settings)
        do {
            let loop = EventLoop()
            let supervisor = try Supervisor(loop: loop, logger: logger, killGrace: settings[Schema.grace])
            let probes = RunProbes(configuration: RunProbes.Configuration(settings), loop: loop, supervisor: supervisor,
                                   logger: logger)
            defer { probes.close() }
            // Both ports before anything is spawned: one already taken stops `run` with nothing to clean up.
            try probes.listen()
            let statsdPort = try probes.receiveRequestMetrics()
            let launch: GunicornLaunch
            do {
                launch = try GunicornLaunch.make(settings: settings, settingsModule: DjangoProject.settingsModule(settings),
                                                 cpus: CPULimit.availableCPUs(), statsdPort: statsdPort,
                                                 extraArguments: extraArguments)
            } catch {
                Console.error(error.description)
                return ExitCode.usage
            }
            for warning in launch.warnings { logger.warning("budget", warning) }
            let shutdown = RunShutdown(supervisor: supervisor, probes: probes, logger: logger,
                                       drainDelay: settings[Schema.drainDelay])
            shutdown.install()
            return try supervisor.runMainChild(launch.arguments, logger: logger) {
                logger.info("gunicorn", "gunicorn started", [
                    "workers": LogValue(launch.workers), "graceful_timeout_s": LogValue(launch.gracefulTimeoutSeconds),
                    "command": LogValue(launch.arguments.joined(separator: " ")),
                ])
                probes.startChecking(launch)
            }
        } catch {
            logger.error("internal", "\(error)")
            return ExitCode.internalFailure
        }
    }
}
