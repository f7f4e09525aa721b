import DjinitTestSupport
import Foundation
import Testing

/// `djinit install`: how an init container brings djinit into an image built without it.
@Suite struct InstallTests {
    @Test("djinit install DIR copies the running binary to DIR/djinit, executable, without any setting")
    func copiesItself() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A setting djinit would refuse changes nothing: the init container has no settings to read.
        let result = try runProgram(TestPaths.djinit, ["install", directory.path], environment: ["DJINIT_TYPO": "1"])
        #expect(result.status == 0, "\(result.error)")
        let copy = directory.appendingPathComponent("djinit").path
        #expect(FileManager.default.contentsEqual(atPath: copy, andPath: TestPaths.djinit))
        #expect(FileManager.default.isExecutableFile(atPath: copy))
        #expect(try runProgram(copy, ["--version"]).output.hasPrefix("djinit "))
        #expect(!FileManager.default.fileExists(atPath: copy + ".partial"))
    }

    @Test("without one absolute directory it is a usage error; a directory that is not there fails")
    func badArguments() throws {
        for arguments in [["install"], ["install", "relative"], ["install", "/a", "/b"]] {
            let result = try runProgram(TestPaths.djinit, arguments)
            #expect(result.status == 2 && result.error.contains("djinit install /djinit"), "\(arguments): \(result.error)")
        }
        let missing = try runProgram(TestPaths.djinit, ["install", "/nonexistent-djinit-test"])
        #expect(missing.status == 1 && missing.error.contains("/nonexistent-djinit-test/djinit"))
    }
}
