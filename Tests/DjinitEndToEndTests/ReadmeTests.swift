import DjinitTestSupport
import Foundation
import Testing

/// The README sections generated from the code (`scripts/update-readme`) must match the code.
@Suite struct ReadmeTests {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    static func section(_ name: String) throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- \(name):begin -->\n"))
        let end = try #require(text.range(of: "<!-- \(name):end -->"))
        return String(text[begin.upperBound..<end.lowerBound])
    }

    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.djinit)
        process.arguments = arguments
        process.environment = [:]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }

    @Test("the settings reference table is djinit config --markdown")
    func settingsTable() throws {
        #expect(try Self.section("settings") == Self.run(["config", "--markdown"]),
                "README.md is stale: run scripts/update-readme")
    }

    @Test("the exit code table lists every code djinit --help documents")
    func exitCodes() throws {
        let table = try Self.section("exit-codes")
        let help = try Self.run(["--help"])
        let codes = help.components(separatedBy: "exit codes:\n")[1].split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1) }
        #expect(!codes.isEmpty)
        for code in codes {
            #expect(table.contains("| \(code[0]) | \(code[1].trimmingCharacters(in: .whitespaces)) |"),
                    "README.md is stale: run scripts/update-readme")
        }
    }
}
