import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitProbe
import DjinitSettings
import DjinitSupervisor

/// The probe server as `run` and `async` use it: it listens on `DJINIT_PROBE_PORT`, answers
/// through the command's own `respond`, counts the answers by endpoint, and writes the part of
/// `/metrics` every command shares.
final class ProbePort {
    private let loop: EventLoop
    private let supervisor: Supervisor
    private let logger: Logger
    private let startedAt: MonotonicInstant
    private var server: ProbeServer?
    private var answered: [String: Int] = [:]

    init(loop: EventLoop, supervisor: Supervisor, logger: Logger) {
        self.loop = loop
        self.supervisor = supervisor
        self.logger = logger
        startedAt = loop.now
    }

    /// Opens the port. Commands call it before they spawn anything, so that a port already
    /// taken stops them with nothing to clean up.
    func listen(port: Port, respond: @escaping (ProbeEndpoint) -> ProbeResponse) throws(SystemError) {
        let address = IPv4Endpoint("0.0.0.0", port: port.number)!
        server = try ProbeServer(loop: loop, endpoint: address, logger: logger) { [self] request in
            let endpoint = ProbeEndpoint(rawValue: request.path)
            let response = endpoint.map(respond) ?? .unknownEndpoint
            // Labelled by endpoint, never by the path a client chose: that would let any client
            // grow the metrics without bound.
            answered["\(endpoint?.rawValue ?? "other") \(response.status)", default: 0] += 1
            return response
        }
        logger.info("probes", "probe server listening", ["address": LogValue(address.description)])
    }

    /// Stops serving (see `ProbeServer.close()`).
    func close() {
        server?.close()
    }

    /// Whether the main child (gunicorn, the worker) runs.
    var mainAlive: Bool { supervisor.mainPID != nil && supervisor.mainStatus == nil }

    /// The metrics every command reports: uptime, the main child, reaping, readiness, and the
    /// probe traffic itself.
    func addCommonMetrics(to text: inout PrometheusText, command: String, mainChild: String, up: Bool, ready: Bool) {
        text.add("djinit_uptime_seconds", .gauge, help: "Time since djinit \(command) started.",
                 seconds: startedAt.duration(to: loop.now))
        text.add("djinit_main_child_up", .gauge, help: "1 while \(mainChild) runs.", up ? 1 : 0)
        text.add("djinit_reaped_processes_total", .counter,
                 help: "Processes that exited below djinit and were reaped.", Double(supervisor.reapedCount))
        text.add("djinit_ready", .gauge, help: "1 while /readyz answers 200.", ready ? 1 : 0)
        text.add("djinit_probe_responses_total", .counter, help: "Probe requests answered, by endpoint and status.",
                 answered.sorted { $0.key < $1.key }.map { entry in
                     let parts = entry.key.split(separator: " ")
                     return (labels: [("endpoint", String(parts[0])), ("code", String(parts[1]))],
                             value: Double(entry.value))
                 })
        if let statistics = server?.statistics {
            text.add("djinit_probe_connections_total", .counter, help: "Probe connections, by what became of them.",
                     [(labels: [("outcome", "accepted")], value: Double(statistics.accepted)),
                      (labels: [("outcome", "evicted")], value: Double(statistics.evicted)),
                      (labels: [("outcome", "timed_out")], value: Double(statistics.timedOut)),
                      (labels: [("outcome", "rejected")], value: Double(statistics.rejected))])
        }
    }
}

extension ProbeResponse {
    /// `404` listing the endpoints there are, for a path no probe serves.
    static let unknownEndpoint = ProbeResponse(
        status: 404, body: "not found; try " + ProbeEndpoint.allCases.map { $0.rawValue }.joined(separator: ", ") + "\n")
}

extension PrometheusText {
    /// A sample whose value is a duration, in seconds.
    mutating func add(_ name: String, _ kind: Kind, help: String, seconds duration: Duration) {
        add(name, kind, help: help, duration.inSeconds)
    }
}
