import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// `djinit run` with real gunicorn, the example Django app and real PostgreSQL.
@Suite(.serialized, .needsServices)
struct RunTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    private func log(_ name: String) -> URL { directory.appendingPathComponent(name) }

    @Test("the probes go from starting to ready once gunicorn has booted, and gunicorn serves the app")
    func startupToReady() throws {
        let run = try RunInstance.start(["DJINIT_READY_CHECK_PATH": "/health/"], log: log("run"))
        defer { run.stop() }
        var readySeen: [Int] = []
        try waitUntil("/startupz answers 200; log:\n\(run.djinit.log)", timeout: .seconds(60)) {
            if let status = run.probe("/readyz"), readySeen.last != status { readySeen.append(status) }
            return run.probe("/startupz") == 200
        }
        // Never ready and then not: 503 (booting) only ever before 200.
        #expect(readySeen.drop { $0 == 503 }.allSatisfy { $0 == 200 }, "readyz went \(readySeen)")
        #expect(run.probe("/readyz") == 200)
        #expect(run.probe("/livez") == 200)
        #expect(try HTTPClient.get(port: run.appPort, "/").body.hasPrefix("example ok"))
        let metrics = try HTTPClient.get(port: run.probePort, "/metrics")
        #expect(metrics.body.contains("\ndjinit_ready 1\n") && metrics.body.contains("\ndjinit_started 1\n"),
                "\(metrics.body)")
        #expect(metrics.body.contains("djinit_readiness_checks_total{result=\"passed\"}"))
        #expect(run.probe("/nope") == 404)
        #expect(run.djinit.log.contains("--workers 2"))
    }

    @Test("/livez stays 200 (and the connect-only /readyz too) while PostgreSQL is down")
    func livenessIgnoresDatabase() throws {
        // A PostgreSQL of this test's own: the shared one serves suites running meanwhile.
        let postgres = PrivatePostgres(port: try FreePort.next())
        defer { postgres.remove() }
        let url = try postgres.start()
        try TestServices.run(TestServices.python, ["manage.py", "migrate", "--no-input", "-v", "0"],
                             environment: ProcessInfo.processInfo.environment.merging(["DATABASE_URL": url]) { $1 },
                             in: URL(fileURLWithPath: TestServices.exampleApp))
        let run = try RunInstance.start(["DATABASE_URL": url], log: log("run"))
        defer { run.stop() }
        try run.waitUntilReady()
        #expect(HTTPClient.status(port: run.appPort, "/") == 200)

        try postgres.stop()
        try waitUntil("the app fails without its database") { HTTPClient.status(port: run.appPort, "/") == 500 }
        for _ in 0..<10 {
            #expect(run.probe("/livez") == 200)
            #expect(run.probe("/readyz") == 200)
            usleep(100_000)
        }
    }

    @Test("with a deep check, /readyz turns 503 with the reason while the view fails, and back")
    func deepCheck() throws {
        let marker = directory.appendingPathComponent("unhealthy").path
        let run = try RunInstance.start(["DJINIT_READY_CHECK_PATH": "/health/deep/", "EXAMPLE_UNHEALTHY_FILE": marker],
                                        log: log("run"))
        defer { run.stop() }
        try run.waitUntilReady()
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        try waitUntil("/readyz fails") { run.probe("/readyz") == 503 }
        let answer = try HTTPClient.get(port: run.probePort, "/readyz")
        #expect(answer.body == "/health/deep/ answered 500\n")
        #expect(run.probe("/livez") == 200)
        #expect(run.probe("/startupz") == 200)
        try FileManager.default.removeItem(atPath: marker)
        try run.waitUntilReady()
    }

    @Test("drain: /readyz is 503 within 100 ms of SIGTERM, new requests are served during the delay, the long request completes, exit 0")
    func drain() throws {
        let run = try RunInstance.start(["DJINIT_DRAIN_DELAY": "3s"], log: log("run"))
        try run.waitUntilReady()

        let longRequest = Locked<Result<HTTPAnswer, Error>?>(nil)
        let appPort = run.appPort
        let thread = Thread {
            let result = Result { try HTTPClient.get(port: appPort, "/slow/?seconds=4", timeout: .seconds(30)) }
            longRequest.withLock { $0 = result }
        }
        thread.start()
        // The slow view is running once a worker is busy: give the request a moment to arrive.
        usleep(500_000)

        let sent = ContinuousClock.now
        run.djinit.send(SIGTERM)
        try waitUntil("/readyz answers 503", timeout: .seconds(5)) { run.probe("/readyz", timeout: .seconds(1)) == 503 }
        let readyzTurned = ContinuousClock.now - sent
        #expect(readyzTurned <= .milliseconds(100), "/readyz took \(readyzTurned) to fail")

        // During the delay, gunicorn still serves new requests.
        usleep(1_000_000)
        #expect(HTTPClient.status(port: run.appPort, "/health/") == 200)
        #expect(!run.djinit.log.contains("stopping the main child"), "gunicorn was stopped before the delay ended")

        #expect(try run.djinit.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(run.djinit.log)")
        try waitUntil("the long request ends") { longRequest.withLock { $0 != nil } }
        let answer = try longRequest.withLock { try $0!.get() }
        #expect(answer.status == 200, "the long request got \(answer)")
        let log = run.djinit.log
        let draining = try #require(log.range(of: "/readyz fails from now on"))
        let stopping = try #require(log.range(of: "stopping the main child with SIGTERM"))
        #expect(draining.lowerBound < stopping.lowerBound)
    }

    @Test("a second SIGTERM skips the rest of the drain delay")
    func secondSignalSkipsDelay() throws {
        let run = try RunInstance.start(["DJINIT_DRAIN_DELAY": "60s"], log: log("run"))
        try run.waitUntilReady()
        run.djinit.send(SIGTERM)
        try waitUntil("/readyz answers 503") { run.probe("/readyz") == 503 }
        run.djinit.send(SIGTERM)
        #expect(try run.djinit.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(run.djinit.log)")
        #expect(run.djinit.log.contains("skipping the rest of the drain delay"))
    }

    @Test("gunicorn killed with SIGKILL: djinit drains the tree, exits non-zero, and leaves no process")
    func gunicornKilled() throws {
        let run = try RunInstance.start(log: log("run"))
        try run.waitUntilReady()
        let bind = "0.0.0.0:\(run.appPort)"
        // Ready means the master accepts connections; its workers may still be forking.
        try waitUntil("a master and 2 workers") { processes(commandLineContaining: bind).count == 3 }
        kill(try run.gunicornPID(), SIGKILL)
        #expect(try run.djinit.waitForExit(timeout: .seconds(30)) == 128 + SIGKILL, "log:\n\(run.djinit.log)")
        #expect(run.djinit.log.contains("gunicorn exited on its own"))
        try waitUntil("no gunicorn process is left", timeout: .seconds(5)) { processes(commandLineContaining: bind).isEmpty }
    }

    @Test("SIGTTIN and SIGTTOU reach gunicorn: a worker is added, then removed")
    func workerSignals() throws {
        let run = try RunInstance.start(log: log("run"))
        defer { run.stop() }
        try run.waitUntilReady()
        let bind = "0.0.0.0:\(run.appPort)"
        try waitUntil("2 workers") { processes(commandLineContaining: bind).count == 3 }
        run.djinit.send(SIGTTIN)
        try waitUntil("3 workers") { processes(commandLineContaining: bind).count == 4 }
        run.djinit.send(SIGTTOU)
        try waitUntil("2 workers again") { processes(commandLineContaining: bind).count == 3 }
    }

    @Test("djinit probe exits 0 for a probe that answers 200 and 1 otherwise")
    func probeCommand() throws {
        let run = try RunInstance.start(["DJINIT_DRAIN_DELAY": "30s"], log: log("run"))
        defer { run.stop() }
        try run.waitUntilReady()
        func probe(_ endpoint: String, port: UInt16) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestPaths.djinit)
            process.arguments = ["probe", endpoint]
            process.environment = ["DJINIT_PROBE_PORT": String(port)]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(try probe("live", port: run.probePort) == (0, "ok\n"))
        #expect(try probe("ready", port: run.probePort) == (0, "ok\n"))
        #expect(try probe("startup", port: run.probePort).0 == 0)
        run.djinit.send(SIGTERM)
        try waitUntil("/readyz answers 503") { run.probe("/readyz") == 503 }
        #expect(try probe("ready", port: run.probePort) == (1, "503 draining: djinit received SIGTERM\n"))
        #expect(try probe("live", port: run.probePort).0 == 0)
        let unused = try FreePort.next()
        let (code, output) = try probe("live", port: unused)
        #expect(code == 1 && output.contains("Connection refused"), "\(output)")
        #expect(try probe("sideways", port: run.probePort).0 == 2)
    }
}
