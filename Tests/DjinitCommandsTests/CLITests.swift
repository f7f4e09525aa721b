@testable import DjinitCommands
import Testing

@Suite struct CLITests {
    @Test func missingOrUnknownCommandIsAUsageError() {
        #expect(DjinitCLI.main(["djinit"], environment: [:]) == ExitCode.usage)
        #expect(DjinitCLI.main(["djinit", "gunicorn", "app"], environment: [:]) == ExitCode.usage)
        #expect(DjinitCLI.main(["djinit", "exec"], environment: [:]) == ExitCode.usage)
        #expect(DjinitCLI.main(["djinit", "exec", "-x"], environment: [:]) == ExitCode.usage)
        #expect(DjinitCLI.main(["djinit", "config", "--bogus"], environment: [:]) == ExitCode.usage)
    }

    @Test func configValidatesTheEnvironment() {
        #expect(DjinitCLI.main(["djinit", "config"], environment: ["DJINIT_KILL_GRACE": "5s"]) == 0)
        #expect(DjinitCLI.main(["djinit", "config"], environment: ["DJINIT_KILL_GRACE": "5"]) == ExitCode.usage)
    }

    @Test func usageDocumentsEveryExitCode() {
        for (code, _) in ExitCode.documented {
            #expect(DjinitCLI.usage.contains("  \(code) "))
        }
    }
}
