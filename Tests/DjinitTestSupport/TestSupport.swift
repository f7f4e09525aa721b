import Foundation
import Glibc
import Synchronization
import Testing

/// What the test targets share: where the repository and its tools are, temporary directories,
/// and running a program to its end.
public enum Repository {
    /// The checkout's root folder.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file or folder of the checkout, by its path from the root.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// The executables `swift build` made beside the test bundle.
public enum BuiltProducts {
    /// The product `name`: `djinit`, `djinit-kube`. `TEST_DJINIT_BINARY` names another djinit (the
    /// release build, say).
    public static func path(_ name: String) -> String {
        if name == "djinit", let path = ProcessInfo.processInfo.environment["TEST_DJINIT_BINARY"] { return path }
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// The servers `scripts/services` starts for the integration tests: PostgreSQL, PgBouncer, Redis
/// and an OCI registry.
public enum Services {
    /// Whether this run has them: `scripts/test` exports their variables, and
    /// `DJTEST_REQUIRE_SERVICES=1` so that there a test that needs them runs, and fails if one is
    /// gone, rather than being skipped.
    public static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["DJTEST_REQUIRE_SERVICES"] == "1" || environment["DJTEST_PG_URL"] != nil
    }
}

extension Trait where Self == ConditionTrait {
    /// For a suite or test that needs `Services`: under `scripts/test` it runs; under a bare
    /// `swift test` without the services it is skipped, and the output says so and why.
    public static var needsServices: Self {
        .enabled(if: Services.enabled,
                 "needs the servers of scripts/services (PostgreSQL, PgBouncer, Redis, a registry): run scripts/test")
    }
}

/// A failed expectation about the world outside the code under test (a tool missing, a program
/// that failed), with what to do about it.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A new, empty directory for one test, named after `prefix`.
public func temporaryDirectory(_ prefix: String = "djinit-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// How a program ended, and what it wrote.
public struct ProgramResult: Sendable {
    public let status: Int32
    public let output: String
    public let error: String
}

/// Runs `executable` to its end with `input` on its standard input. Both outputs go through files,
/// so that neither pipe can fill up and stall it.
public func runProgram(_ executable: String, _ arguments: [String], input: String = "", in directory: URL? = nil,
                       environment: [String: String]? = nil) throws -> ProgramResult {
    let scratch = try temporaryDirectory("djinit-run")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let files = ["stdin", "stdout", "stderr"].map { scratch.appendingPathComponent($0) }
    try Data(input.utf8).write(to: files[0])
    for file in files.dropFirst() { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    process.standardInput = try FileHandle(forReadingFrom: files[0])
    process.standardOutput = try FileHandle(forWritingTo: files[1])
    process.standardError = try FileHandle(forWritingTo: files[2])
    try process.run()
    process.waitUntilExit()
    return ProgramResult(status: process.terminationStatus, output: try String(contentsOf: files[1], encoding: .utf8),
                         error: try String(contentsOf: files[2], encoding: .utf8))
}

/// The tools `scripts/test` installs. Tests fail, never skip, when one is missing.
public enum Tools {
    /// A program of the virtualenv `scripts/test` makes for the Kubernetes validators (checkov,
    /// kubernetes-validate, PyYAML: their pins clash with the example app's).
    public static func kubeVirtualenv(_ name: String) throws -> String {
        try existing(Repository.path(".venv-kube/bin/" + name))
    }

    /// kubectl or helm, as `scripts/test` installs them (`ensure_kube_tools`).
    public static func kube(_ name: String) throws -> String {
        try existing(Repository.path(".tools/bin/" + name))
    }

    private static func existing(_ path: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/test, which installs it")
        }
        return path
    }
}

/// A value shared with a client thread.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try mutex.withLock { try body(&$0) }
    }
}

/// Polls `condition` every 5 ms for up to `timeout`.
public func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline { throw TestFailure("timed out waiting until \(what)") }
        usleep(5_000)
    }
}
