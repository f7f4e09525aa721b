import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitPostgres
import DjinitSettings
import DjinitSupervisor

/// `djinit async [--] [WORKER ARGS...]` (also `djinit /async`): the worker container's command.
///
/// A Celery worker or django-q2's `qcluster` (`DJINIT_ASYNC`, or `AsyncDetection` for `auto`)
/// under supervision, with djinit's probe server beside it (`AsyncProbes`), `celery beat` under a
/// cluster-wide lock when `DJINIT_BEAT` is on (`SingleBeat`), and a shutdown that loses no task
/// (`AsyncShutdown`). Everything runs on one event loop.
enum AsyncCommand {
    static func run(_ arguments: [String], settings: Settings, environment: Environment) -> Int32 {
        let extraArguments = arguments.first == "--" ? Array(arguments.dropFirst()) : arguments
        let logger = Logger(settings)
        let settingsModule = DjangoProject.settingsModule(settings)

        let worker: WorkerKind
        switch settings[Schema.asyncWorker] {
        case .celery:
            worker = .celery
        case .djangoQ:
            worker = .djangoQ
        case .auto:
            do {
                let decision = try AsyncDetection.decide(
                    settingsModule: settingsModule, packages: PythonPackages(python: settings[Schema.python], environment: environment))
                worker = decision.worker
                logger.info("async-detected", "DJINIT_ASYNC=auto chose \(decision.worker.rawValue)",
                            ["reason": LogValue(decision.reason)])
            } catch {
                Console.error(error.description)
                return ExitCode.usage
            }
        }

        let launch: WorkerLaunch
        do {
            launch = try WorkerLaunch.make(worker: worker, settings: settings, settingsModule: settingsModule,
                                           cpus: CPULimit.availableCPUs(), extraArguments: extraArguments)
        } catch {
            Console.error(error.description)
            return ExitCode.usage
        }
        for warning in launch.warnings { logger.warning("settings", warning) }

        do {
            let loop = EventLoop()
            let supervisor = try Supervisor(loop: loop, logger: logger, killGrace: settings[Schema.grace])
            let heartbeat = WorkerHeartbeat(source: worker == .celery ? .mainProcess : .firstChild,
                                            hangTimeout: settings[Schema.workerHangTimeout], loop: loop)
            let probes = AsyncProbes(configuration: AsyncProbes.Configuration(settings), loop: loop, supervisor: supervisor,
                                     logger: logger, heartbeat: heartbeat,
                                     broker: BrokerCheck(target: readinessTarget(worker, settings), loop: loop))
            try probes.listen()
            let beat = launch.beatArguments.map {
                SingleBeat(configuration: SingleBeat.Configuration(arguments: $0, settings: settings), logger: logger, loop: loop,
                           supervisor: supervisor)
            }
            probes.beat = beat
            let shutdown = AsyncShutdown(supervisor: supervisor, probes: probes, logger: logger, worker: worker,
                                         workerGrace: settings[Schema.workerGrace], beat: beat)
            shutdown.install()
            defer { probes.close() }
            return try supervisor.runMainChild(launch.arguments, logger: logger) {
                logger.info("worker", "\(worker.rawValue) worker started",
                            ["command": LogValue(launch.arguments.joined(separator: " "))])
                probes.startChecking(mainPID: supervisor.mainPID!)
                beat?.start()
            }
        } catch {
            logger.error("internal", "\(error)")
            return ExitCode.internalFailure
        }
    }

    /// What `/readyz` checks: Celery's broker from `CELERY_BROKER_URL`; for django-q2 the
    /// database, its ORM broker, through `DATABASE_URL` as Django reaches it.
    private static func readinessTarget(_ worker: WorkerKind, _ settings: Settings) -> BrokerCheck.Target {
        switch worker {
        case .djangoQ:
            let url = settings[Schema.databaseURL]
            return .database(ConnectionParameters(url: url?.text, applicationName: "djinit async readiness"),
                             name: url?.redactedText ?? "libpq's PG* environment")
        case .celery:
            guard let url = settings[Schema.celeryBrokerURL] else {
                return .none("CELERY_BROKER_URL is unset: the broker is not checked")
            }
            switch url.kind {
            case .redis:
                // Celery's default queue unless the worker consumes others.
                return .redis(url, queues: (settings[Schema.workerQueues] ?? .celeryDefault).names)
            case .tcpOnly: return .tcp(url)
            case .unchecked: return .none("the broker \(url.redactedText) is not one djinit can check (Redis or AMQP)")
            }
        }
    }
}
