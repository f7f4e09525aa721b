import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// The rollout a load balancer sees: HAProxy in front of two `djinit run` instances, one of them
/// stopped under load.
@Suite(.serialized, .needsServices)
struct RunLoadBalancerTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    /// What wrk reported.
    struct LoadReport {
        let requests: Int
        let non2xx: Int
        let socketErrors: String?
        let output: String

        init(_ output: String) {
            self.output = output
            requests = output.split(separator: "\n").first { $0.contains(" requests in ") }
                .flatMap { Int($0.split(separator: " ")[0]) } ?? 0
            non2xx = output.split(separator: "\n").first { $0.contains("Non-2xx or 3xx responses:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            socketErrors = output.split(separator: "\n").first { $0.contains("Socket errors:") }.map(String.init)
        }
    }

    @Test("zero dropped requests: HAProxy health-checks /readyz, one instance gets SIGTERM under load")
    func zeroDroppedRequests() throws {
        for tool in ["/usr/sbin/haproxy", "/usr/bin/wrk"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw TestFailure("\(tool) is missing: run the tests through scripts/test, which installs haproxy and wrk")
        }
        let leaving = try RunInstance.start(["DJINIT_DRAIN_DELAY": "3s"], log: directory.appendingPathComponent("leaving"))
        let staying = try RunInstance.start(log: directory.appendingPathComponent("staying"))
        defer { staying.stop() }
        try leaving.waitUntilReady()
        try staying.waitUntilReady()

        let frontend = try FreePort.next()
        let config = directory.appendingPathComponent("haproxy.cfg")
        // The same configuration bench/drain.sh uses; the script's comment says why it is so.
        try TestServices.run(TestServices.repository.appendingPathComponent("scripts/lib/haproxy-config").path, [
            String(frontend), "meth GET uri /readyz",
            "leaving=\(leaving.appPort):\(leaving.probePort)", "staying=\(staying.appPort):\(staying.probePort)",
        ]).write(to: config, atomically: true, encoding: .utf8)
        let haproxy = Process()
        haproxy.executableURL = URL(fileURLWithPath: "/usr/sbin/haproxy")
        haproxy.arguments = ["-f", config.path, "-db"]
        let haproxyLog = directory.appendingPathComponent("haproxy.log")
        _ = FileManager.default.createFile(atPath: haproxyLog.path, contents: nil)
        haproxy.standardOutput = try FileHandle(forWritingTo: haproxyLog)
        haproxy.standardError = try FileHandle(forWritingTo: haproxyLog)
        try haproxy.run()
        defer {
            haproxy.terminate()
            haproxy.waitUntilExit()
        }
        try waitUntil("HAProxy forwards to both") {
            HTTPClient.status(port: frontend, "/health/") == 200
        }

        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        wrk.arguments = ["-t", "2", "-c", "8", "-d", "8s", "--timeout", "10s", "http://127.0.0.1:\(frontend)/health/"]
        let output = Pipe()
        wrk.standardOutput = output
        try wrk.run()
        sleep(2)
        leaving.djinit.send(SIGTERM)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        wrk.waitUntilExit()
        let report = LoadReport(String(decoding: data, as: UTF8.self))

        #expect(try leaving.djinit.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(leaving.djinit.log)")
        #expect(report.requests > 500, "\(report.output)")
        #expect(report.non2xx == 0, "\(report.output)\nHAProxy:\n\((try? String(contentsOf: haproxyLog, encoding: .utf8)) ?? "")")
        #expect(report.socketErrors == nil, "\(report.output)")
        // The drained instance did serve during its delay: the point of the delay.
        #expect(leaving.djinit.log.contains("/readyz fails from now on"))
    }
}
