import DjinitSettings
import Testing

@Suite struct DurationTests {
    @Test(arguments: [
        ("10s", Duration.seconds(10)), ("1500ms", .milliseconds(1500)), ("2m", .seconds(120)),
        ("1h", .seconds(3600)), ("1m30s", .seconds(90)), ("0s", .zero), ("1s500ms", .milliseconds(1500)),
    ])
    func parses(text: String, expected: Duration) throws {
        #expect(try Duration.parse(text) == expected)
    }

    @Test(arguments: ["", "10", "abc", "10 s", "-1s", "1.5s", "10sec", "s", "99999999999s", "8761h",
                      String(repeating: "999999999h", count: 5000)])
    func rejects(text: String) {
        #expect(throws: SettingValueError(expected: "a duration like 10s or 1500ms, of at most 8760h")) { try Duration.parse(text) }
    }

    @Test("the longest duration is a year, and every part counts towards it")
    func longest() throws {
        #expect(try Duration.parse("8760h") == Duration.longestSetting)
        #expect(throws: SettingValueError.self) { try Duration.parse("8759h60m1s") }
    }

    @Test(arguments: [
        (Duration.seconds(10), "10s"), (.milliseconds(1500), "1500ms"), (.seconds(90), "1m30s"),
        (.zero, "0s"), (.seconds(7200), "2h"), (.seconds(3601), "60m1s"),
    ])
    func printsShortestExactText(duration: Duration, text: String) throws {
        #expect(duration.settingText == text)
        #expect(try Duration.parse(text) == duration)
    }
}
