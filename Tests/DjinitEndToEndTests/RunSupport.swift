import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// TCP ports for one test's servers, free when handed out and never handed out twice in this
/// process, so that suites running in parallel do not collide.
enum FreePort {
    private static let given = Mutex<Set<UInt16>>([])

    static func next() throws -> UInt16 {
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard bound else { continue }
            let port = UInt16(bigEndian: address.sin_port)
            if given.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TestFailure("no free TCP port")
    }
}

/// An HTTP answer as a test sees it.
struct HTTPAnswer: Equatable {
    let status: Int
    let body: String
}

/// A blocking one-request HTTP/1.1 client on raw sockets: enough for probes and the example app.
enum HTTPClient {
    static func get(port: UInt16, _ path: String, host: String = "127.0.0.1",
                    timeout: Duration = .seconds(10)) throws -> HTTPAnswer {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"
        guard send(fd, request, request.utf8.count, Int32(MSG_NOSIGNAL)) == request.utf8.count else {
            throw TestFailure("GET \(path) on port \(port): write failed: \(String(cString: strerror(errno)))")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { response += buffer[0..<count]; continue }
            if count == 0 { break }
            throw TestFailure("GET \(path) on port \(port): read failed: \(String(cString: strerror(errno)))")
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let statusLine = parts[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestFailure("GET \(path) on port \(port): not an HTTP response: \(text.prefix(200))")
        }
        return HTTPAnswer(status: status, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// The status of `GET path`, or nil if nothing answered (refused, reset, timed out).
    static func status(port: UInt16, _ path: String, timeout: Duration = .seconds(10)) -> Int? {
        try? get(port: port, path, timeout: timeout).status
    }

    /// A connected blocking socket to 127.0.0.1:`port` whose reads and writes time out.
    static func connect(port: UInt16, timeout: Duration = .seconds(10)) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var time = timeval(tv_sec: Int(timeout.components.seconds),
                           tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let error = String(cString: strerror(errno))
            close(fd)
            throw TestFailure("connect to port \(port): \(error)")
        }
        return fd
    }
}

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

/// A value shared with a client thread.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try mutex.withLock { try body(&$0) }
    }
}
