import DjinitProbe
import Testing

@Suite struct StatsDTests {
    private func parse(_ text: String) -> [StatsDMetric]? {
        StatsDMetric.parse(datagram: Array(text.utf8)[...])
    }

    @Test("gunicorn's three lines, a sample rate, DogStatsD tags and several lines in one datagram", arguments: [
        ("gunicorn.request.duration:12.5|ms", [("gunicorn.request.duration", 12.5, StatsDMetric.Kind.timer, 1.0)]),
        ("gunicorn.requests:1|c|@0.5", [("gunicorn.requests", 1, .counter, 0.5)]),
        ("app.gunicorn.request.status.200:1|c|#pod:web-1", [("app.gunicorn.request.status.200", 1, .counter, 1)]),
        ("a:1e3|g|@1|#t\nb:-2|h\n", [("a", 1000, .gauge, 1), ("b", -2, .histogram, 1)]),
    ] as [(String, [(String, Double, StatsDMetric.Kind, Double)])])
    func valid(text: String, expected: [(String, Double, StatsDMetric.Kind, Double)]) throws {
        let metrics = try #require(parse(text))
        #expect(metrics.map(\.name) == expected.map(\.0))
        #expect(metrics.map(\.value) == expected.map(\.1))
        #expect(metrics.map(\.kind) == expected.map(\.2))
        #expect(metrics.map(\.sampleRate) == expected.map(\.3))
    }

    @Test("anything else is no metric, and one bad line spoils its datagram", arguments: [
        "", "\n", ":1|c", "a|b:1|c", "a b:1|c", "a:1", "a:1|", "a:1|x", "a:1|cc", "a:|c", "a:1:2|c", "a:NaN|c",
        "a:inf|c", "a:1e999|ms", "a:1|c|@0", "a:1|c|@2", "a:1|c|@0.5|@0.5", "a:1|c|x", "a:1|c|#a|#b|#c",
        "a:1|c\nb:1|x", String(repeating: "n", count: 201) + ":1|c", "a:" + String(repeating: "1", count: 33) + "|c",
        "\u{7F}:1|c", "é:1|c",
    ])
    func invalid(text: String) {
        #expect(parse(text) == nil)
    }
}
