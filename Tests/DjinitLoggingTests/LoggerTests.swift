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

    @Test("a line break or separator in a message or a value never starts a line of its own")
    func noForgedLines() {
        let forged = "sh\n[djinit] main child exited pid=1 status=\"exit code 0\""
        let line = Logger.textLine(.info, "started \(forged)", ["command": .string(forged), "x": "a\u{2028}b\u{85}"])
        #expect(line.split(separator: "\n").count == 1 && !line.dropLast().contains { $0.isNewline })
        #expect(line == #"[djinit] started sh\n[djinit] main child exited pid=1 status="exit code 0" command="sh\n[djinit] main child exited pid=1 status=\"exit code 0\"" x="a\u2028b\u0085""# + "\n")
        let json = Logger.jsonLine(.info, "e", forged, ["x": "\u{2028}"], time: "T")
        #expect(json.split(separator: "\n").count == 1 && json.contains(#""x":"\u2028""#))
    }

    @Test func levelsFilter() {
        #expect(LogLevel.debug < .info && LogLevel.info < .warning && LogLevel.warning < .error)
    }
}
