@testable import DjinitProbe
import Testing

@Suite struct RequestHeadTests {
    private func parse(_ text: String, limit: Int = 4096) -> RequestHead {
        RequestHead(parsing: Array(text.utf8), limit: limit)
    }

    @Test("a complete GET, with or without headers and query, with CRLF or bare LF")
    func complete() {
        #expect(parse("GET /readyz HTTP/1.1\r\nHost: 10.0.0.7:8081\r\nUser-Agent: kube-probe/1.30\r\n\r\n")
            == .complete(ProbeRequest(method: "GET", path: "/readyz")))
        #expect(parse("HEAD /livez?verbose=1 HTTP/1.0\r\n\r\n") == .complete(ProbeRequest(method: "HEAD", path: "/livez")))
        #expect(parse("GET /metrics HTTP/1.1\n\n") == .complete(ProbeRequest(method: "GET", path: "/metrics")))
        #expect(parse("POST /readyz HTTP/1.1\r\n\r\n") == .complete(ProbeRequest(method: "POST", path: "/readyz")))
    }

    @Test("a head still arriving is incomplete", arguments: ["", "G", "GET", "GET /re", "GET /readyz HTTP/1.1\r\nHost: x\r\n"])
    func incomplete(text: String) {
        #expect(parse(text) == .incomplete)
    }

    @Test("garbage is malformed as soon as it cannot be a method", arguments: [
        "\u{16}\u{03}\u{01}", "get / HTTP/1.1\r\n\r\n", "GET readyz HTTP/1.1\r\n\r\n", "GET / HTTP/2\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n", "GETTINGVERYLONGMETHODNAME", "GET  / HTTP/1.1\r\n\r\n",
    ])
    func malformed(text: String) {
        #expect(parse(text) == .malformed)
    }

    @Test("a head that does not end within the limit is too large")
    func tooLarge() {
        #expect(parse("GET /" + String(repeating: "a", count: 5000), limit: 4096) == .tooLarge)
        #expect(parse("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 100) + "\r\n\r\n", limit: 64) == .tooLarge)
    }
}

@Suite struct ProbeResponseTests {
    @Test("a response closes its connection and states its length; HEAD has no body")
    func serialized() {
        let response = ProbeResponse(status: 503, body: "draining\n")
        let text = String(decoding: response.serialized(), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(text.contains("Content-Length: 9\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(text.hasSuffix("\r\n\r\ndraining\n"))
        let head = String(decoding: response.serialized(headOnly: true), as: UTF8.self)
        #expect(head.contains("Content-Length: 9\r\n") && head.hasSuffix("\r\n\r\n"))
    }
}

@Suite struct HTTPCheckParseTests {
    @Test("a response's status and body")
    func answered() {
        let response = Array("HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\nmoved".utf8)
        #expect(HTTPCheck.parse(response) == .answered(status: 301, body: "moved"))
    }

    @Test("no response, or not HTTP, is a failure")
    func failures() {
        #expect(HTTPCheck.parse([]) == .failed("the connection closed without a response"))
        #expect(HTTPCheck.parse(Array("SSH-2.0-OpenSSH\r\n".utf8)) == .failed("not an HTTP response"))
    }
}

@Suite struct PrometheusTextTests {
    @Test("families have HELP and TYPE lines; labels are quoted and escaped; whole numbers have no fraction")
    func format() {
        var text = PrometheusText()
        text.add("djinit_up", .gauge, help: "Up.", 1)
        text.add("djinit_checks_total", .counter, help: "Checks.",
                 [(labels: [("result", "a\"b")], value: 3), (labels: [("result", "ok")], value: 0.25)])
        #expect(text.text == """
            # HELP djinit_up Up.
            # TYPE djinit_up gauge
            djinit_up 1
            # HELP djinit_checks_total Checks.
            # TYPE djinit_checks_total counter
            djinit_checks_total{result="a\\"b"} 3
            djinit_checks_total{result="ok"} 0.25

            """)
    }
}
