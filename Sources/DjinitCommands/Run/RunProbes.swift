import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitProbe
import DjinitSettings
import DjinitSupervisor
import Glibc

/// What `run`'s probe endpoints answer, and the readiness checks behind `/readyz`.
///
/// Readiness is checked every `DJINIT_READY_CHECK_INTERVAL` on the event loop: a connect to
/// gunicorn's socket and, when `DJINIT_READY_CHECK_PATH` is set, a GET of that path through
/// gunicorn. Probes are answered from the latest result, so however often and however many
/// probes come, the application sees one check per interval.
final class RunProbes {
    /// The latest readiness check.
    private enum Readiness {
        case unknown
        case ready
        case notReady(String)
    }

    private let loop: EventLoop
    private let supervisor: Supervisor
    private let logger: Logger
    private let settings: Settings
    private let appEndpoint: IPv4Endpoint
    private let port: ProbePort

    private var readiness = Readiness.unknown
    private var everReady = false
    private var checkInFlight = false
    private var checksPassed = 0
    private var checksFailed = 0
    private var lastCheckDuration: Duration = .zero
    private var drainStartedAt: ContinuousClock.Instant?
    private var drainDuration: Duration?
    private var workerPIDs: Set<pid_t> = []
    private var workersSeen = 0

    init(loop: EventLoop, supervisor: Supervisor, settings: Settings, logger: Logger) {
        self.loop = loop
        self.supervisor = supervisor
        self.settings = settings
        self.logger = logger
        let host = settings[Schema.httpHost].text
        let port = settings[Schema.httpPort].number
        // gunicorn bound to every interface is reached on loopback.
        let bound = IPv4Endpoint(host, port: port)!
        appEndpoint = bound.isWildcard ? .loopback(port: port) : bound
        self.port = ProbePort(loop: loop, supervisor: supervisor, logger: logger)
    }

    /// Opens the probe port. Called before gunicorn starts, so that a port already taken stops
    /// `run` before anything is spawned.
    func listen() throws(SystemError) {
        try port.listen(port: settings[Schema.probePort]) { [self] endpoint in respond(to: endpoint) }
    }

    /// Closes the probe port: the command is done.
    func close() {
        port.close()
    }

    /// Starts the periodic readiness checks; call once gunicorn is started.
    func startChecking() {
        check()
    }

    /// The drain began: `/readyz` fails from now on, and checks stop.
    func drainStarted() {
        drainStartedAt = loop.now
    }

    /// gunicorn exited: the drain, if any, is over.
    func serverExited() {
        if let drainStartedAt { drainDuration = drainStartedAt.duration(to: loop.now) }
    }

    private var mainAlive: Bool { port.mainAlive }

    private func respond(to endpoint: ProbeEndpoint) -> ProbeResponse {
        switch endpoint {
        case .live:
            // Never the database, nor the application: an outage of either must not make
            // Kubernetes restart every pod.
            return mainAlive ? .ok : .unavailable("gunicorn is not running")
        case .ready:
            if drainStartedAt != nil { return .unavailable("draining: djinit received SIGTERM") }
            guard mainAlive else { return .unavailable("gunicorn is not running") }
            switch readiness {
            case .unknown: return .unavailable("starting: no readiness check has finished yet")
            case .ready: return .ok
            case .notReady(let reason): return .unavailable(reason)
            }
        case .startup:
            return everReady ? .ok : .unavailable("starting: gunicorn has not been ready yet")
        case .metrics:
            return ProbeResponse(status: 200, body: metrics(), contentType: PrometheusText.contentType)
        }
    }

    /// One readiness check, then the next one an interval after it ends (never two at once, so a
    /// slow application gets no pile-up of checks).
    private func check() {
        guard drainStartedAt == nil, mainAlive, !checkInFlight else { return }
        checkInFlight = true
        sampleWorkers()
        let path = settings[Schema.readyCheckPath]
        let request = path.map { HTTPCheck.getRequest(path: $0.path, host: settings[Schema.readyCheckHost].host) }
        let started = loop.now
        HTTPCheck.start(loop: loop, endpoint: appEndpoint, request: request,
                        timeout: settings[Schema.readyCheckTimeout]) { [self] outcome in
            checkInFlight = false
            lastCheckDuration = started.duration(to: loop.now)
            record(outcome, path: path?.path)
            loop.schedule(after: settings[Schema.readyCheckInterval]) { [self] in check() }
        }
    }

    private func record(_ outcome: HTTPCheck.Outcome, path: String?) {
        let next: Readiness
        switch outcome {
        case .connected:
            next = .ready
        case .answered(let status, _) where (200..<400).contains(status):
            next = .ready
        case .answered(let status, _):
            next = .notReady("\(path ?? "the check path") answered \(status)")
        case .failed(let reason):
            next = .notReady(path.map { "GET \($0): \(reason)" } ?? "gunicorn does not accept connections: \(reason)")
        }
        switch (readiness, next) {
        case (.ready, .ready):
            break
        case (_, .ready):
            logger.info("ready", everReady ? "ready again" : "ready: gunicorn accepts connections")
        case (.notReady(let before), .notReady(let now)) where before == now:
            break
        case (_, .notReady(let reason)):
            // Before the first success, failures are just gunicorn booting: not worth a warning.
            if everReady {
                logger.warning("not-ready", "not ready: \(reason)")
            } else {
                logger.debug("not-ready", "not ready yet: \(reason)")
            }
        case (_, .unknown):
            break
        }
        if case .ready = next {
            checksPassed += 1
            everReady = true
        } else {
            checksFailed += 1
        }
        readiness = next
    }

    /// Notes gunicorn's current workers, to count new ones (restarts) in `/metrics`. Sampled at
    /// each check: a worker that lives less than an interval may go unseen.
    private func sampleWorkers() {
        guard let master = supervisor.mainPID else { return }
        let current = Set(ProcessTree.descendants(of: master))
        workersSeen += current.subtracting(workerPIDs).count
        workerPIDs = current
    }

    private func metrics() -> String {
        var text = PrometheusText()
        port.addCommonMetrics(to: &text, command: "run", mainChild: "the gunicorn master",
                              ready: respond(to: .ready).status == 200)
        text.add("djinit_gunicorn_workers", .gauge, help: "gunicorn worker processes at the last readiness check.",
                 Double(workerPIDs.count))
        text.add("djinit_gunicorn_workers_started_total", .counter,
                 help: "Distinct gunicorn workers seen at readiness checks; beyond the worker count, restarts.",
                 Double(workersSeen))
        text.add("djinit_started", .gauge, help: "1 once a readiness check has passed (/startupz).", everReady ? 1 : 0)
        text.add("djinit_readiness_checks_total", .counter, help: "Readiness checks of gunicorn, by result.",
                 [(labels: [("result", "passed")], value: Double(checksPassed)),
                  (labels: [("result", "failed")], value: Double(checksFailed))])
        text.add("djinit_readiness_check_duration_seconds", .gauge, help: "How long the last readiness check took.",
                 seconds: lastCheckDuration)
        text.add("djinit_draining", .gauge, help: "1 from SIGTERM on.", drainStartedAt == nil ? 0 : 1)
        text.add("djinit_drain_elapsed_seconds", .gauge,
                 help: "Time since the drain began (until gunicorn exited); 0 before it.",
                 seconds: drainStartedAt.map { drainDuration ?? $0.duration(to: loop.now) } ?? .zero)
        text.add("djinit_drain_delay_seconds", .gauge, help: "DJINIT_DRAIN_DELAY.", seconds: settings[Schema.drainDelay])
        text.add("djinit_grace_seconds", .gauge, help: "DJINIT_GRACE.", seconds: settings[Schema.grace])
        return text.text
    }
}
