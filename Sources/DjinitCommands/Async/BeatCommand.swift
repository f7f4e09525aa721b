import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitProbe
import DjinitSettings
import DjinitSupervisor
import DjinitText

/// `djinit beat [--] [COMMAND...]` (also `djinit /beat`): a periodic-task scheduler in a pod of its
/// own, run only while this replica holds the cluster-wide beat lock (`SingleBeat`), with no
/// worker beside it.
///
/// One replica and `Recreate` do not make one beat: a pod on a partitioned node and its
/// replacement both run until the node is fenced. The lock does: PostgreSQL gives it to one
/// connection, and takes it back (`DeadPeerDetection`) within about half a minute of its holder
/// vanishing.
///
/// COMMAND is the scheduler's command line (`celery -A mysite beat ...`), run as it is; without
/// one, Celery's beat for `DJINIT_CELERY_APP` (or the settings module's package), with its schedule
/// in /tmp and `DJINIT_BEAT_ARGS`.
///
/// SIGTERM or SIGINT: the scheduler gets SIGTERM, the lock is released once it has exited, and
/// djinit exits 0 when nothing is left below it (SIGKILL for what remains after `DJINIT_GRACE`).
final class BeatCommand {
    private let logger: Logger
    private let loop: EventLoop
    private let supervisor: Supervisor
    private let beat: SingleBeat
    private let port: ProbePort
    private let probePort: Port
    private var stopping = false

    private init(arguments: [String], settings: Settings, logger: Logger) throws(SystemError) {
        self.logger = logger
        loop = EventLoop()
        supervisor = try Supervisor(loop: loop, logger: logger, killGrace: settings[Schema.grace])
        beat = SingleBeat(configuration: SingleBeat.Configuration(arguments: arguments, settings: settings), logger: logger,
                          loop: loop, supervisor: supervisor)
        port = ProbePort(loop: loop, supervisor: supervisor, logger: logger)
        probePort = settings[Schema.probePort]
    }

    static func run(_ arguments: [String], settings: Settings) -> Int32 {
        let logger = Logger(settings)
        var command = arguments.first == "--" ? Array(arguments.dropFirst()) : arguments
        if command.isEmpty {
            do {
                command = try WorkerLaunch.celeryBeat(settings: settings, settingsModule: DjangoProject.settingsModule(settings))
            } catch {
                Console.error(error.description.replacingEvery("async:", with: "beat:"))
                return ExitCode.usage
            }
        }
        do {
            let beat = try BeatCommand(arguments: command, settings: settings, logger: logger)
            return try beat.run()
        } catch {
            logger.error("internal", "\(error)")
            return ExitCode.internalFailure
        }
    }

    private func run() throws(SystemError) -> Int32 {
        defer { port.close() }
        try port.listen(port: probePort) { [self] endpoint in respond(to: endpoint) }
        supervisor.signalHandler = { [self] signal in
            guard signal == .terminate || signal == .interrupt else { return supervisor.forward(signal) }
            guard !stopping else { return }
            stopping = true
            logger.info("shutdown", "received \(signal): stopping beat and releasing its lock")
            supervisor.startKillGrace()
            beat.stop { [self] in supervisor.finish(.exited(0)) }
        }
        beat.start()
        return try supervisor.run().exitCode
    }

    /// Beat's probes: live while djinit runs (beat restarts on its own), ready while it holds the
    /// lock or stands by for it, started once it reached the database.
    private func respond(to endpoint: ProbeEndpoint) -> ProbeResponse {
        switch endpoint {
        case .live:
            return .ok
        case .ready:
            if stopping { return .unavailable("stopping: djinit received SIGTERM") }
            switch beat.role {
            case .leading, .standingBy: return .ok
            case .connecting: return .unavailable("waiting for the database that holds the beat lock")
            }
        case .startup:
            return beat.hasConnected ? .ok : .unavailable("starting: the database has not answered yet")
        case .metrics:
            var text = PrometheusText()
            port.addCommonMetrics(to: &text, command: "beat", mainChild: "the scheduler", up: beat.isRunning,
                                  ready: respond(to: .ready).status == 200)
            beat.add(to: &text)
            return ProbeResponse(status: 200, body: text.text, contentType: PrometheusText.contentType)
        }
    }
}
