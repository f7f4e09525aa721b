import CDjinitShim
import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitProbe
import DjinitSettings
import DjinitSupervisor

/// What `async`'s probe endpoints answer.
///
/// - `/livez`: the worker runs and its main loop keeps waking up (`WorkerHeartbeat`); never the
///   broker, so that a broker outage does not restart every worker. 200 during the shutdown.
/// - `/readyz`: the worker runs and the latest broker check (`BrokerCheck`, every
///   `DJINIT_READY_CHECK_INTERVAL`) passed; 503 from SIGTERM on.
/// - `/startupz`: a readiness check has passed once.
final class AsyncProbes {
    /// What the probes take from the settings, read once at start-up.
    struct Configuration {
        let probePort: Port
        let checkInterval: Duration
        let checkTimeout: Duration
        let workerGrace: Duration
        let grace: Duration

        init(_ settings: Settings) {
            probePort = settings[Schema.probePort]
            checkInterval = settings[Schema.readyCheckInterval]
            checkTimeout = settings[Schema.readyCheckTimeout]
            workerGrace = settings[Schema.workerGrace]
            grace = settings[Schema.grace]
        }
    }

    private let configuration: Configuration
    private let loop: EventLoop
    private let logger: Logger
    private let heartbeat: WorkerHeartbeat
    private let broker: BrokerCheck
    private let port: ProbePort
    /// The beat, when `DJINIT_BEAT` is on, for `/metrics`.
    var beat: SingleBeat?

    private var readiness = Readiness(subject: "the broker answers", earlyFailureLevel: .info)
    /// Tasks waiting, by queue, at the latest check.
    private var queues: [(name: String, length: Int)] = []
    private var stopping = false
    private var livenessFailures = 0

    init(configuration: Configuration, loop: EventLoop, supervisor: Supervisor, logger: Logger,
         heartbeat: WorkerHeartbeat, broker: BrokerCheck) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.heartbeat = heartbeat
        self.broker = broker
        port = ProbePort(loop: loop, supervisor: supervisor, logger: logger)
    }

    /// Opens the probe port; before the worker starts, so that a port already taken stops
    /// `async` before anything is spawned.
    func listen() throws(SystemError) {
        try port.listen(port: configuration.probePort) { [self] endpoint in respond(to: endpoint) }
        logger.info("readiness", "/readyz checks \(broker.summary)")
    }

    /// Closes the probe port and the broker's connection: the command is done.
    func close() {
        port.close()
        broker.close()
    }

    /// Starts the heartbeat and the broker checks; call once the worker is started.
    func startChecking(mainPID: pid_t) {
        heartbeat.start(mainPID: mainPID)
        check()
    }

    /// The shutdown began: `/readyz` fails from now on, checks stop, and `/livez` stays 200
    /// while djinit stops the worker.
    func shutdownStarted() {
        stopping = true
        heartbeat.stop()
        broker.close()
    }

    private var workerAlive: Bool { port.mainAlive }

    private func respond(to endpoint: ProbeEndpoint) -> ProbeResponse {
        switch endpoint {
        case .live:
            guard workerAlive else { return .unavailable("the worker is not running") }
            if !stopping, let failure = heartbeat.failure {
                livenessFailures += 1
                if livenessFailures == 1 || livenessFailures % 10 == 0 {
                    logger.warning("not-live", failure, ["failed_probes": LogValue(livenessFailures)])
                }
                return .unavailable(failure)
            }
            livenessFailures = 0
            return .ok
        case .ready:
            if stopping { return .unavailable("stopping: djinit received SIGTERM") }
            guard workerAlive else { return .unavailable("the worker is not running") }
            switch readiness.state {
            case .unknown: return .unavailable("starting: no broker check has finished yet")
            case .ready: return .ok
            case .notReady(let reason): return .unavailable(reason)
            }
        case .startup:
            return readiness.everReady ? .ok : .unavailable("starting: the broker has not answered yet")
        case .metrics:
            return ProbeResponse(status: 200, body: metrics(), contentType: PrometheusText.contentType)
        }
    }

    /// One broker check, then the next an interval after it ends (never two at once).
    private func check() {
        guard !stopping, workerAlive else { return }
        broker.check(timeout: configuration.checkTimeout) { [self] report in
            guard !stopping else { return }
            readiness.record(report.failure.map { .notReady($0) } ?? .ready, logger: logger)
            queues = report.queues
            loop.schedule(after: configuration.checkInterval) { [self] in check() }
        }
    }

    private func metrics() -> String {
        var text = PrometheusText()
        port.addCommonMetrics(to: &text, command: "async", mainChild: "the worker's main process", up: workerAlive,
                              ready: respond(to: .ready).status == 200)
        text.add("djinit_worker_heartbeat_age_seconds", .gauge,
                 help: "Time since the worker's main loop was last seen waking up.", seconds: heartbeat.silence)
        text.add("djinit_broker_checks_total", .counter, help: "Readiness checks of the broker, by result.",
                 [(labels: [("result", "passed")], value: Double(readiness.passed)),
                  (labels: [("result", "failed")], value: Double(readiness.failed))])
        text.add("djinit_queue_length", .gauge,
                 help: "Tasks waiting in each queue the worker consumes, at the latest broker check: the metric to scale workers on.",
                 queues.map { (labels: [("queue", $0.name)], value: Double($0.length)) })
        beat?.add(to: &text)
        text.add("djinit_draining", .gauge, help: "1 from SIGTERM on.", stopping ? 1 : 0)
        text.add("djinit_worker_grace_seconds", .gauge, help: "DJINIT_WORKER_GRACE.", seconds: configuration.workerGrace)
        text.add("djinit_grace_seconds", .gauge, help: "DJINIT_GRACE.", seconds: configuration.grace)
        return text.text
    }
}
