import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// Where the end-to-end tests find the built binary and their fixtures.
enum TestPaths {
    /// The `djinit` binary of this build (`BuiltProducts`).
    static var djinit: String { BuiltProducts.path("djinit") }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A new empty directory for one test.
    static func temporaryDirectory() throws -> URL {
        try DjinitTestSupport.temporaryDirectory("djinit-e2e")
    }
}

/// A running `djinit`: as real PID 1 of a new PID namespace when the tests run as root (through
/// `unshare --pid --fork --mount-proc`), else directly, where it makes itself a subreaper.
final class DjinitProcess {
    let process = Process()
    let logFile: URL
    /// djinit's own process ID, as seen from the tests (not 1).
    private(set) var pid: pid_t = 0
    static var runsAsPID1: Bool { getuid() == 0 }

    /// - Parameters:
    ///   - directory: where the log goes.
    ///   - workingDirectory: djinit's working directory, if not the tests'.
    ///   - wrapper: a command that runs djinit, such as `ip netns exec NAME` (it must exec it).
    ///   - asPID1: false runs djinit directly even as root, as a subreaper (say, in a pod with
    ///     `shareProcessNamespace`).
    init(_ arguments: [String], environment extra: [String: String] = [:], directory: URL,
         workingDirectory: String? = nil, wrapper: [String] = [], asPID1: Bool = DjinitProcess.runsAsPID1) throws {
        logFile = directory.appendingPathComponent("djinit.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DJINIT_") }
        environment["DJINIT_LOG_LEVEL"] = "debug"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let command = asPID1
            ? ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc", TestPaths.djinit] + arguments
            : [TestPaths.djinit] + arguments
        let full = wrapper + command
        process.executableURL = URL(fileURLWithPath: full[0])
        process.arguments = Array(full.dropFirst())
        // Both streams: the children's output (migrate's "Applying ...") is part of what tests check.
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        pid = try findDjinit(underUnshare: asPID1)
    }

    /// The djinit process: unshare's one child, or the process itself.
    private func findDjinit(underUnshare: Bool) throws -> pid_t {
        guard underUnshare else { return process.processIdentifier }
        let unshare = process.processIdentifier
        for _ in 0..<500 {
            let children = (try? String(contentsOfFile: "/proc/\(unshare)/task/\(unshare)/children", encoding: .utf8)) ?? ""
            if let first = children.split(separator: " ").first, let pid = pid_t(first) { return pid }
            // Gone before it was seen: djinit refused its input and exited within the poll's 2 ms.
            // Nothing is left to signal; the exit code and the log are unshare's, which passes them on.
            if !process.isRunning { return unshare }
            usleep(2_000)
        }
        throw TestFailure("djinit did not start under unshare; log:\n\(log)")
    }

    /// Waits until djinit has blocked its signals, the first thing its `main` does.
    func waitUntilSignalsBlocked() throws {
        for _ in 0..<2_000 {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
               line.split(separator: "\t").last.map({ $0 != "0000000000000000" }) == true {
                return
            }
            usleep(500)
        }
        throw TestFailure("djinit never blocked its signals")
    }

    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for djinit to exit and returns its exit code; kills it and fails after `timeout`.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(30)) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                process.terminate()
                throw TestFailure("djinit still running after \(timeout); log:\n\(log)")
            }
            usleep(5_000)
        }
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
}

/// Waits up to `timeout` for `path` to exist.
func waitForFile(_ path: String, timeout: Duration = .seconds(20)) throws {
    let deadline = ContinuousClock.now + timeout
    while !FileManager.default.fileExists(atPath: path) {
        if ContinuousClock.now > deadline { throw TestFailure("\(path) did not appear within \(timeout)") }
        usleep(5_000)
    }
}

/// The lines of a text file, empty if it does not exist.
func lines(of path: String) -> [String] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
}
