import CDjinitShim
import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitProbe
import DjinitSettings
import DjinitSupervisor

/// What `run`'s probe endpoints answer, and the readiness checks behind `/readyz`.
///
/// Readiness is checked every `DJINIT_READY_CHECK_INTERVAL` on the event loop: a connect to
/// gunicorn's socket and, when `DJINIT_READY_CHECK_PATH` is set, a GET of that path through
/// gunicorn. Probes are answered from the latest result, so however often and however many
/// probes come, the application sees one check per interval.
final class RunProbes {
    /// What the probes take from the settings, read once at start-up.
    struct Configuration {
        let probePort: Port
        /// Where gunicorn is reached: its bind address, or loopback when it binds every interface.
        let appEndpoint: IPv4Endpoint
        /// `DJINIT_READY_CHECK_PATH`'s request, or nil for a connect-only check.
        let checkRequest: [UInt8]?
        let checkPath: String?
        let checkInterval: Duration
        let checkTimeout: Duration
        let drainDelay: Duration
        let grace: Duration
        /// `DJINIT_HTTP_METRICS`.
        let requestMetrics: Bool
        let httpPort: UInt16

        init(_ settings: Settings) {
            probePort = settings[Schema.probePort]
            let port = settings[Schema.httpPort].number
            let bound = IPv4Endpoint(settings[Schema.httpHost].text, port: port)!
            appEndpoint = bound.isWildcard ? .loopback(port: port) : bound
            checkPath = settings[Schema.readyCheckPath]?.path
            checkRequest = checkPath.map { HTTPCheck.getRequest(path: $0, host: settings[Schema.readyCheckHost].host) }
            checkInterval = settings[Schema.readyCheckInterval]
            checkTimeout = settings[Schema.readyCheckTimeout]
            drainDelay = settings[Schema.drainDelay]
            grace = settings[Schema.grace]
            requestMetrics = settings[Schema.httpMetrics]
            httpPort = port
        }
    }

    private let configuration: Configuration
    private let loop: EventLoop
    private let supervisor: Supervisor
    private let logger: Logger
    private let port: ProbePort

    private var readiness = Readiness(subject: "gunicorn accepts connections", earlyFailureLevel: .debug)
    private var checkInFlight = false
    private var lastCheckDuration: Duration = .zero
    private var drainStartedAt: MonotonicInstant?
    private var drainDuration: Duration?
    private var requestMetrics = RequestMetrics()
    private var statsd: StatsDReceiver?
    private var load: GunicornLoad?

    init(configuration: Configuration, loop: EventLoop, supervisor: Supervisor, logger: Logger) {
        self.configuration = configuration
        self.loop = loop
        self.supervisor = supervisor
        self.logger = logger
        port = ProbePort(loop: loop, supervisor: supervisor, logger: logger)
    }

    /// Opens the probe port. Called before gunicorn starts, so that a port already taken stops
    /// `run` before anything is spawned.
    func listen() throws(SystemError) {
        try port.listen(port: configuration.probePort) { [self] endpoint in respond(to: endpoint) }
    }

    /// Opens the statsD port gunicorn is to send its request metrics to, when
    /// `DJINIT_HTTP_METRICS` is on; returns it.
    func receiveRequestMetrics() throws(SystemError) -> UInt16? {
        guard configuration.requestMetrics else { return nil }
        let receiver = try StatsDReceiver(loop: loop) { [self] metric in requestMetrics.record(metric) }
        statsd = receiver
        return receiver.port
    }

    /// Closes the probe and statsD ports and stops sampling: the command is done.
    func close() {
        port.close()
        statsd?.close()
        load?.stop()
    }

    /// Starts the periodic readiness checks, and the sampling of how busy gunicorn is; call once
    /// gunicorn is started.
    func startChecking(_ launch: GunicornLaunch) {
        let load = GunicornLoad(loop: loop, supervisor: supervisor, port: configuration.httpPort,
                                requestsPerWorker: launch.requestsPerWorker)
        self.load = load
        load.start()
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
            switch readiness.state {
            case .unknown: return .unavailable("starting: no readiness check has finished yet")
            case .ready: return .ok
            case .notReady(let reason): return .unavailable(reason)
            }
        case .startup:
            return readiness.everReady ? .ok : .unavailable("starting: gunicorn has not been ready yet")
        case .metrics:
            return ProbeResponse(status: 200, body: metrics(), contentType: PrometheusText.contentType)
        }
    }

    /// One readiness check, then the next one an interval after it ends (never two at once, so a
    /// slow application gets no pile-up of checks).
    private func check() {
        guard drainStartedAt == nil, mainAlive, !checkInFlight else { return }
        checkInFlight = true
        let started = loop.now
        HTTPCheck.start(loop: loop, endpoint: configuration.appEndpoint, request: configuration.checkRequest,
                        timeout: configuration.checkTimeout) { [self] outcome in
            checkInFlight = false
            lastCheckDuration = started.duration(to: loop.now)
            readiness.record(state(after: outcome), logger: logger)
            loop.schedule(after: configuration.checkInterval) { [self] in check() }
        }
    }

    private func state(after outcome: HTTPCheck.Outcome) -> Readiness.State {
        let path = configuration.checkPath
        switch outcome {
        case .connected:
            return .ready
        case .answered(let status, _) where (200..<400).contains(status):
            return .ready
        case .answered(let status, _):
            return .notReady("\(path ?? "the check path") answered \(status)")
        case .failed(let reason):
            return .notReady(path.map { "GET \($0): \(reason)" } ?? "gunicorn does not accept connections: \(reason)")
        }
    }

    private func metrics() -> String {
        var text = PrometheusText()
        port.addCommonMetrics(to: &text, command: "run", mainChild: "the gunicorn master", up: mainAlive,
                              ready: respond(to: .ready).status == 200)
        load?.add(to: &text)
        if let statsd {
            requestMetrics.add(to: &text)
            text.add("djinit_statsd_datagrams_total", .counter, help: "statsD datagrams from gunicorn, by what became of them.",
                     [(labels: [("result", "accepted")], value: Double(statsd.statistics.accepted)),
                      (labels: [("result", "malformed")], value: Double(statsd.statistics.malformed)),
                      (labels: [("result", "dropped")], value: Double(statsd.kernelDrops ?? 0))])
        }
        text.add("djinit_started", .gauge, help: "1 once a readiness check has passed (/startupz).",
                 readiness.everReady ? 1 : 0)
        text.add("djinit_readiness_checks_total", .counter, help: "Readiness checks of gunicorn, by result.",
                 [(labels: [("result", "passed")], value: Double(readiness.passed)),
                  (labels: [("result", "failed")], value: Double(readiness.failed))])
        text.add("djinit_readiness_check_duration_seconds", .gauge, help: "How long the last readiness check took.",
                 seconds: lastCheckDuration)
        text.add("djinit_draining", .gauge, help: "1 from SIGTERM on.", drainStartedAt == nil ? 0 : 1)
        text.add("djinit_drain_elapsed_seconds", .gauge,
                 help: "Time since the drain began (until gunicorn exited); 0 before it.",
                 seconds: drainStartedAt.map { drainDuration ?? $0.duration(to: loop.now) } ?? .zero)
        text.add("djinit_drain_delay_seconds", .gauge, help: "DJINIT_DRAIN_DELAY.", seconds: configuration.drainDelay)
        text.add("djinit_grace_seconds", .gauge, help: "DJINIT_GRACE.", seconds: configuration.grace)
        return text.text
    }
}
