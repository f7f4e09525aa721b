@testable import DjinitSettings
import Testing

/// The value types of `djinit run`'s settings: strict, with messages that say what was expected.
@Suite struct RunSettingValueTests {
    private func expected<Value: SettingValue>(_ type: Value.Type, _ text: String) -> String? {
        do {
            _ = try Value.parse(text)
            return nil
        } catch {
            return error.expected
        }
    }

    @Test("a count is a plain whole number from 1 up")
    func count() throws {
        #expect(try Count.parse("4") == Count(4))
        #expect(try Count.parse("129").value == 129)
        for text in ["0", "-1", "+3", "04", " 4", "4.0", "four", "", "99999999"] {
            #expect(expected(Count.self, text) == "a whole number from 1 up, like 4", "\(text)")
        }
    }

    @Test("an IPv4 address is four dotted decimal bytes")
    func ipv4() throws {
        #expect(try IPv4Address.parse("0.0.0.0").text == "0.0.0.0")
        #expect(try IPv4Address.parse("192.168.10.255").text == "192.168.10.255")
        for text in ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", "::", "localhost", "1.2.3.4 "] {
            #expect(expected(IPv4Address.self, text) == "an IPv4 address like 0.0.0.0 or 127.0.0.1", "\(text)")
        }
    }

    @Test("a URL path starts with / and cannot break a request line")
    func urlPath() throws {
        #expect(try URLPath.parse("/health/deep/?full=1").path == "/health/deep/?full=1")
        for text in ["health/", "/a b", "/a\r\nX: y", "http://x/"] {
            #expect(expected(URLPath.self, text) != nil, "\(text)")
        }
    }

    @Test("a host header is a host name, IP literal or port, nothing that could add a header")
    func hostHeader() throws {
        #expect(try HostHeader.parse("app.example.com:8000").host == "app.example.com:8000")
        #expect(try HostHeader.parse("[::1]").host == "[::1]")
        for text in ["", "a b", "x\r\nX-Evil: 1", "host/path"] {
            #expect(expected(HostHeader.self, text) == "a host name like localhost or app.example.com", "\(text)")
        }
    }

    @Test("run's settings have their documented defaults")
    func defaults() throws {
        let settings = try Settings(environment: [:])
        #expect(settings[Schema.httpHost].text == "0.0.0.0")
        #expect(settings[Schema.httpInterface] == .wsgi)
        #expect(settings[Schema.httpWorkers] == nil)
        #expect(settings[Schema.readyCheckPath] == nil)
        #expect(settings[Schema.readyCheckHost].host == "localhost")
        #expect(settings[Schema.readyCheckInterval] == .seconds(1))
        #expect(settings[Schema.probePort].number != settings[Schema.httpPort].number)
    }
}
