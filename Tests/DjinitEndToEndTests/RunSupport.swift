import DjinitTestSupport
import Foundation
import Synchronization
import Testing

import Glibc

/// `djinit run` serving the example app, on ports of its own.
struct RunInstance {
    let djinit: DjinitProcess
    let appPort: UInt16
    let probePort: UInt16

    /// The example app's database, created and migrated once for every run test.
    static let database: Result<String, TestFailure> = {
        do {
            _ = try TestServices.variable("DJTEST_PG_URL")
            let url = try TestServices.createDatabase("djinit_run_e2e")
            try TestServices.run(TestServices.python, ["manage.py", "migrate", "--no-input", "-v", "0"],
                                 environment: ProcessInfo.processInfo.environment.merging(["DATABASE_URL": url]) { $1 },
                                 in: URL(fileURLWithPath: TestServices.exampleApp))
            return .success(url)
        } catch {
            return .failure(TestFailure("cannot prepare the example app's database: \(error)"))
        }
    }()

    /// Starts `djinit run` in the example app with the repository's virtualenv; `environment`
    /// adds or overrides settings (DATABASE_URL included).
    static func start(_ environment: [String: String] = [:], arguments: [String] = [], log directory: URL) throws -> RunInstance {
        let appPort = try FreePort.next()
        let probePort = try FreePort.next()
        let settings = [
            "DATABASE_URL": try database.get(),
            "DJINIT_PYTHON": TestServices.python,
            "DJINIT_HTTP_PORT": String(appPort),
            "DJINIT_PROBE_PORT": String(probePort),
            "DJINIT_HTTP_WORKERS": "2",
            "DJINIT_READY_CHECK_INTERVAL": "200ms",
            "DJINIT_LOG_LEVEL": "info",
        ].merging(environment) { _, new in new }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let djinit = try DjinitProcess(["run"] + arguments, environment: settings, directory: directory,
                                       workingDirectory: TestServices.exampleApp)
        return RunInstance(djinit: djinit, appPort: appPort, probePort: probePort)
    }

    func probe(_ endpoint: String, timeout: Duration = .seconds(10)) -> Int? {
        HTTPClient.status(port: probePort, endpoint, timeout: timeout)
    }

    /// Waits until `/readyz` answers 200.
    func waitUntilReady(timeout: Duration = .seconds(60)) throws {
        try waitUntil("djinit run is ready; log:\n\(djinit.log)", timeout: timeout) { probe("/readyz") == 200 }
    }

    /// The gunicorn master: djinit's one child.
    func gunicornPID() throws -> pid_t {
        let children = (try? String(contentsOfFile: "/proc/\(djinit.pid)/task/\(djinit.pid)/children", encoding: .utf8)) ?? ""
        guard let first = children.split(separator: " ").first, let pid = pid_t(first) else {
            throw TestFailure("djinit has no child; log:\n\(djinit.log)")
        }
        return pid
    }

    /// Stops djinit with SIGTERM at the end of a test, quickly, whatever state it is in.
    func stop() {
        djinit.send(SIGTERM)
        djinit.send(SIGINT)
        _ = try? djinit.waitForExit()
    }
}

/// Processes whose command line contains `text`, say a port only one test uses.
func processes(commandLineContaining text: String) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard let pid = pid_t(entry), pid != getpid(),
              let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        return commandLine.contains(text) ? pid : nil
    }
}
