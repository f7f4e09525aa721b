import DjinitSettings
import Testing

/// The value types of `djinit async`'s settings.
@Suite struct AsyncSettingValueTests {
    private static let expected = "queue names separated by commas, like high,default, without spaces"

    @Test("queue names read alike by Celery's --queues, djinit's LLEN and KEDA's trigger: no space, no empty name")
    func queueNames() throws {
        #expect(try QueueNames.parse("high,default").names == ["high", "default"])
        #expect(try QueueNames.parse("x.y:z").settingText == "x.y:z")
        #expect(QueueNames.celeryDefault.names == ["celery"])
        // The chart checks app.yaml's value with the pattern alone, so it must refuse what parse does.
        let pattern = try Regex(QueueNames.pattern)
        for text in ["high,default", "a", "x.y:z", "a-b_c"] {
            #expect(text.wholeMatch(of: pattern) != nil, "\(text)")
        }
        for text in ["", ",", "a,", ",a", "a,,b", "high, low", "a b", "é", "a\tb", "a\nb"] {
            #expect(throws: SettingValueError(expected: Self.expected), "\(text)") { try QueueNames.parse(text) }
            #expect(text.wholeMatch(of: pattern) == nil, "\(text)")
        }
    }
}
