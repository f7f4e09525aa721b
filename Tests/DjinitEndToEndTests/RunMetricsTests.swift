import DjinitTestSupport
import Foundation
import Glibc
import Testing

/// `djinit run`'s request and saturation metrics, against real gunicorn: what its statsD datagrams
/// say about requests, and what /proc says about busy workers and the accept queue.
@Suite(.serialized, .needsServices)
struct RunMetricsTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    /// The samples of `/metrics` by name with labels, e.g. `djinit_http_requests_total{code="2xx"}`.
    static func metrics(_ run: RunInstance) throws -> [String: Double] {
        try metrics(port: run.probePort)
    }

    /// The samples of the `/metrics` of the probe server on `port`.
    static func metrics(port: UInt16) throws -> [String: Double] {
        let body = try HTTPClient.get(port: port, "/metrics").body
        var samples: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// The port gunicorn sends statsD datagrams to, from its command line.
    static func statsdPort(_ run: RunInstance) throws -> UInt16 {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(try run.gunicornPID())/cmdline"))
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard let index = arguments.firstIndex(of: "--statsd-host"), index + 1 < arguments.count,
              let port = arguments[index + 1].split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw TestFailure("gunicorn has no --statsd-host: \(arguments)")
        }
        return port
    }

    @Test("a known number of requests gives that count by status class, and a histogram whose sum fits their durations")
    func requestCounts() throws {
        let run = try RunInstance.start(log: directory.appendingPathComponent("run"))
        defer { run.stop() }
        try run.waitUntilReady()
        let started = ContinuousClock.now
        for _ in 0..<150 { #expect(try HTTPClient.get(port: run.appPort, "/health/").status == 200) }
        for _ in 0..<50 { #expect(try HTTPClient.get(port: run.appPort, "/no-such-page/").status == 404) }
        let elapsed = ContinuousClock.now - started
        var samples: [String: Double] = [:]
        try waitUntil("all 200 requests are counted", timeout: .seconds(10)) {
            samples = (try? Self.metrics(run)) ?? [:]
            return samples["djinit_http_request_duration_seconds_count"] == 200
        }
        #expect(samples["djinit_http_requests_total{code=\"2xx\"}"] == 150)
        #expect(samples["djinit_http_requests_total{code=\"4xx\"}"] == 50)
        #expect(samples["djinit_http_requests_total{code=\"5xx\"}"] == 0)
        #expect(samples["djinit_http_request_duration_seconds_bucket{le=\"+Inf\"}"] == 200)
        let sum = try #require(samples["djinit_http_request_duration_seconds_sum"])
        // Each request's time in gunicorn is part of the time the client waited for it.
        #expect(sum > 0 && sum < Double(elapsed.components.seconds) + 1, "sum \(sum) of \(elapsed)")
        #expect(samples["djinit_statsd_datagrams_total{result=\"malformed\"}"] == 0)
        #expect(samples["djinit_statsd_datagrams_total{result=\"dropped\"}"] == 0)
    }

    @Test("slow requests drive utilisation to 1 and the backlog above 0 within a second or two; idle, both fall to 0")
    func saturation() throws {
        let run = try RunInstance.start(["DJINIT_HTTP_WORKERS": "2"], log: directory.appendingPathComponent("run"))
        defer { run.stop() }
        try run.waitUntilReady()
        #expect(try Self.metrics(run)["djinit_gunicorn_worker_utilization"] == 0)
        // Two workers, six slow requests: two served, four waiting to be accepted.
        let appPort = run.appPort
        let clients = (0..<6).map { _ in
            Thread { _ = try? HTTPClient.get(port: appPort, "/slow/?seconds=4", timeout: .seconds(30)) }
        }
        clients.forEach { $0.start() }
        var saturated: [String: Double] = [:]
        try waitUntil("utilisation reaches 1 and the backlog rises", timeout: .seconds(3)) {
            saturated = (try? Self.metrics(run)) ?? [:]
            return saturated["djinit_gunicorn_worker_utilization"] == 1 && (saturated["djinit_http_backlog"] ?? 0) > 0
        }
        #expect(saturated["djinit_gunicorn_busy_workers"] == 2)
        #expect((saturated["djinit_http_backlog_limit"] ?? 0) > 0)
        try waitUntil("utilisation and backlog fall back to 0", timeout: .seconds(30)) {
            let idle = (try? Self.metrics(run)) ?? [:]
            return idle["djinit_gunicorn_worker_utilization"] == 0 && idle["djinit_http_backlog"] == 0
        }
    }

    @Test("garbage, oversized and a flood of datagrams on the statsD port are counted and dropped; /livez keeps answering")
    func hostileDatagrams() throws {
        let run = try RunInstance.start(log: directory.appendingPathComponent("run"))
        defer { run.stop() }
        try run.waitUntilReady()
        let port = try Self.statsdPort(run)
        let sender = DatagramSender(port: port)
        defer { sender.close() }
        var generator = SystemRandomNumberGenerator()
        let garbage: [[UInt8]] = [
            Array("gunicorn.requests:1|x".utf8), Array("gunicorn.requests:NaN|c".utf8), Array(":1|c".utf8),
            Array("gunicorn.request.duration:1e999|ms".utf8), [UInt8](repeating: 0x41, count: 60_000),
            (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) },
        ]
        for datagram in garbage { sender.send(datagram) }
        let flooding = Locked(true)
        let flood = Thread {
            let line = Array("gunicorn.request.status.200:1|c|@1.0".utf8)
            while flooding.withLock({ $0 }) { for _ in 0..<1000 { sender.send(line) } }
        }
        flood.start()
        defer { flooding.withLock { $0 = false } }
        for _ in 0..<20 {
            #expect(run.probe("/livez", timeout: .seconds(2)) == 200)
            usleep(50_000)
        }
        flooding.withLock { $0 = false }
        let samples = try Self.metrics(run)
        #expect((samples["djinit_statsd_datagrams_total{result=\"malformed\"}"] ?? 0) >= Double(garbage.count))
        #expect((samples["djinit_statsd_datagrams_total{result=\"accepted\"}"] ?? 0) > 0)
        #expect(run.djinit.process.isRunning)
    }
}

/// A UDP socket that sends datagrams to a loopback port.
struct DatagramSender: Sendable {
    let fd: Int32
    let port: UInt16

    init(port: UInt16) {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.port = port
    }

    func send(_ bytes: [UInt8]) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
