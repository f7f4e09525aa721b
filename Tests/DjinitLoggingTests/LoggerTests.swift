@testable import DjinitLogging
import Testing

@Suite struct LoggerTests {
    @Test func textLinesCarryMessageAndFields() {
        #expect(Logger.textLine(.info, "main child exited", ["pid": 12, "status": "exit code 3"])
            == "[djinit] main child exited pid=12 status=\"exit code 3\"\n")
        #expect(Logger.textLine(.warning, "slow", [:]) == "[djinit] warning: slow\n")
        #expect(Logger.textLine(.error, "bad", ["x": ""]) == "[djinit] error: bad x=\"\"\n")
    }

    @Test func jsonLinesAreEscaped() {
        let line = Logger.jsonLine(.warning, "spawned", "say \"hi\"\n", ["command": "a\\b\u{1}", "pid": 7], time: "T")
        #expect(line == #"{"time":"T","level":"warn","event":"spawned","message":"say \"hi\"\n","command":"a\\b\u0001","pid":7}"# + "\n")
    }

    @Test func levelsFilter() {
        #expect(LogLevel.debug < .info && LogLevel.info < .warning && LogLevel.warning < .error)
    }
}
