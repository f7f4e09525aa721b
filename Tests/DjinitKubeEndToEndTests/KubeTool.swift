import Foundation
import Testing

/// Paths the end-to-end tests use, and a way to run programs.
enum KubeTool {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The golden cases of `DjinitKubeModelTests`.
    static let goldenCases = ["minimal", "full", "rwo", "gateway"]

    /// The djinit-app chart.
    static let chart = repository.appendingPathComponent("charts/djinit-app")

    /// The tools `scripts/test` installs: kubectl and helm.
    static func kubeTool(_ name: String) throws -> String {
        let path = repository.appendingPathComponent(".tools/bin/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidatorTests.ValidatorMissing(description: "\(path) is missing: run scripts/test, which installs it")
        }
        return path
    }

    static func golden(_ name: String) -> URL {
        repository.appendingPathComponent("Tests/DjinitKubeModelTests/Golden").appendingPathComponent(name)
    }

    /// The `djinit-kube` binary beside the test bundle: `swift build` puts both in one folder.
    static var binary: String { built("djinit-kube") }

    /// A product of this build, beside the test bundle.
    static func built(_ product: String) -> String {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent(product).path
    }

    /// Where `scripts/test` installs kubernetes-validate and checkov (a venv of their own: checkov
    /// pins versions that clash with the example app's).
    static let validators = repository.appendingPathComponent(".venv-kube/bin")

    /// A new empty directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("djinit-kube-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    /// Runs `executable` with `arguments` (and exactly `environment`, if given) and returns its exit
    /// status and both outputs, which go through files so that neither pipe can fill up and stall it.
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String]? = nil) throws -> Result {
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputFile = scratch.appendingPathComponent("stdout")
        let errorFile = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: try String(contentsOf: outputFile, encoding: .utf8),
                      error: try String(contentsOf: errorFile, encoding: .utf8))
    }

    /// The path of `name` on PATH, if any.
    static func onPath(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
