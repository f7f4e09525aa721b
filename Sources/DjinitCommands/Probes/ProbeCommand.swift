import DjinitEventLoop
import DjinitPosix
import DjinitProbe
import DjinitSettings
import DjinitText

/// `djinit probe live|ready|startup`: asks the probe server of the `djinit run` in the same
/// container, for exec probes and Docker's HEALTHCHECK in images that have no curl.
///
/// Exit 0 when the endpoint answers 200, 1 otherwise; the answer's one line goes to standard
/// output either way, so `docker inspect` and `kubectl describe` show the reason.
enum ProbeCommand {
    /// Longer than the kubelet's default probe timeout (1 s), whose own timeout ends the probe
    /// first; this one only makes sure a probe of a hung server ends at all (Docker's HEALTHCHECK
    /// waits 30 s by default).
    static let timeout: Duration = .seconds(3)

    static let usage = "usage: djinit probe live|ready|startup"

    static func run(_ arguments: [String], settings: Settings) -> Int32 {
        let endpoints: [(String, ProbeEndpoint)] = [("live", .live), ("ready", .ready), ("startup", .startup)]
        guard arguments.count == 1, let endpoint = endpoints.first(where: { $0.0 == arguments[0] })?.1 else {
            Console.error(arguments.isEmpty ? usage : "probe: unexpected argument \(Escaping.quotedValue(arguments[0]))\n\(usage)")
            return ExitCode.usage
        }
        let loop = EventLoop()
        let target = IPv4Endpoint.loopback(port: settings[Schema.probePort].number)
        var outcome = HTTPCheck.Outcome.failed("no answer")
        HTTPCheck.start(loop: loop, endpoint: target,
                        request: HTTPCheck.getRequest(path: endpoint.rawValue, host: "localhost"),
                        timeout: timeout) { result in
            outcome = result
            loop.stop()
        }
        do {
            try loop.run()
        } catch {
            Console.error("probe: \(error)")
            return ExitCode.internalFailure
        }
        switch outcome {
        case .answered(200, let body):
            Console.out(body)
            return 0
        case .answered(let status, let body):
            Console.out("\(status) \(body)")
            return 1
        case .failed(let reason):
            Console.out("\(endpoint.rawValue) on \(target): \(reason)\n")
            return 1
        case .connected:
            preconditionFailure("a check that sends a request ends with an answer or a failure")
        }
    }
}
