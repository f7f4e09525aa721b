@testable import DjinitSettings
import Testing

/// `CELERY_BROKER_URL`: host, port and credentials for the readiness check, never the password in print.
@Suite struct BrokerURLTests {
    @Test("Redis URLs: host, default port, database, percent-decoded credentials")
    func redis() throws {
        let url = try BrokerURL.parse("redis://:s%40cret@cache.default.svc:6380/2")
        #expect(url.kind == .redis && url.host == "cache.default.svc" && url.port == 6380 && url.database == 2)
        #expect(url.username == nil && url.password == "s@cret")
        #expect(url.redactedText == "redis://:***@cache.default.svc:6380/2")
        let plain = try BrokerURL.parse("redis://localhost")
        #expect(plain.port == 6379 && plain.password == nil && plain.database == nil)
    }

    @Test("AMQP and TLS are checked by a connect; other transports not at all")
    func kinds() throws {
        #expect(try BrokerURL.parse("amqp://guest:guest@rabbit//").port == 5672)
        #expect(try BrokerURL.parse("amqps://rabbit").kind == .tcpOnly)
        #expect(try BrokerURL.parse("rediss://[::1]:7000/0").host == "::1")
        #expect(try BrokerURL.parse("sqs://").kind == .unchecked)
        let failover = try BrokerURL.parse("redis://a:1/0;redis://b:2/0")
        #expect(failover.host == "a" && failover.port == 1 && failover.text == "redis://a:1/0;redis://b:2/0")
    }

    @Test("not a URL, a bad port or a bad Redis database is an error")
    func invalid() {
        for text in ["redis:/host", "host:6379", "redis://host:99999", "redis://host/x", "redis://a b", "redis://:ab/cd@h:6379/0",
                     "amqp://u:12/x@rabbit//", "redis://h:6379/0;", "redis://[::1/0", "redis://h:+1/0",
                     // Found by FuzzRedaction: a password's unencoded '/' or '?' moved its end after the host.
                     "amqp://user:QZX@/<jX?=hXZQ@rabbit//", "redis://:12#ss@h:1/0"] {
            #expect(throws: SettingValueError.self, "\(text)") { try BrokerURL.parse(text) }
        }
    }

    @Test("every URL of a failover list is shown with its password as ***")
    func failoverListRedacted() throws {
        let url = try BrokerURL.parse("sentinel://:first@a:26379;sentinel://u:second%2F@b:26379;sentinel://:third@[::1]:26379/0?sentinel_password=fourth#x")
        #expect(url.redactedText == "sentinel://:***@a:26379;sentinel://u:***@b:26379;sentinel://:***@[::1]:26379/0?***#***")
        #expect(url.host == "a" && url.password == "first")
        let sqs = try BrokerURL.parse("sqs://AKIA:wJalr%2Fsecret@")
        #expect(sqs.redactedText == "sqs://AKIA:***@")
    }
}
