/// A Celery broker URL (`redis://:password@host:6379/0`, `amqp://user:password@host//`), as
/// Celery reads it from `CELERY_BROKER_URL`.
///
/// djinit never hands it to Celery (Celery reads the variable itself); it reads the host and port
/// out of it to check, for `/readyz`, that the broker is reachable, and it knows where the
/// password is so that it never prints it.
public struct BrokerURL: SettingValue, CustomStringConvertible {
    /// The broker protocols djinit can check, by URL scheme.
    public enum Kind: Sendable, Equatable {
        /// `redis://`: a TCP connect and a `PING` (after `AUTH` when the URL has a password).
        case redis
        /// `rediss://`, `amqp://`, `amqps://`, `pyamqp://`: a TCP connect only (TLS or AMQP is
        /// not spoken).
        case tcpOnly
        /// Anything else (`sqs://`, `redis+socket://`, `sentinel://`, ...): not checked.
        case unchecked
    }

    /// The URL exactly as given.
    public let text: String
    public let kind: Kind
    /// The host, without brackets; empty when the URL names none (Celery then uses localhost).
    public let host: String
    /// The port: the URL's, or the scheme's default.
    public let port: UInt16
    /// The user and password of the URL's user part, percent-decoded; nil when absent.
    public let username: String?
    public let password: String?
    /// The Redis database number in the path (`/3`), if any.
    public let database: Int?

    /// - Parameter text: one URL, or Celery's failover list (`redis://a;redis://b`), of which
    ///   the first is checked.
    public init(_ text: String) throws(SettingValueError) {
        let failure = SettingValueError(expected: "a broker URL like redis://host:6379/0 or amqp://user:password@host//")
        guard !text.contains(where: { $0 == " " || $0 == "\n" }) else { throw failure }
        self.text = text
        let first = text.prefix { $0 != ";" }
        guard let schemeEnd = first.firstIndex(of: ":"), first[schemeEnd...].hasPrefix("://") else { throw failure }
        let scheme = first[..<schemeEnd].lowercased()
        let defaultPort: UInt16
        switch scheme {
        case "redis": (kind, defaultPort) = (.redis, 6379)
        case "rediss": (kind, defaultPort) = (.tcpOnly, 6379)
        case "amqp", "pyamqp", "librabbitmq": (kind, defaultPort) = (.tcpOnly, 5672)
        case "amqps": (kind, defaultPort) = (.tcpOnly, 5671)
        default: (kind, defaultPort) = (.unchecked, 0)
        }
        let authorityStart = first.index(schemeEnd, offsetBy: 3)
        let authorityEnd = first[authorityStart...].firstIndex { $0 == "/" || $0 == "?" } ?? first.endIndex
        var authority = first[authorityStart..<authorityEnd]
        var username: String?
        var password: String?
        // The last '@' ends the user part: an unescaped '@' in a password is wrong but common.
        if let at = authority.lastIndex(of: "@") {
            let user = authority[..<at]
            if let colon = user.firstIndex(of: ":") {
                username = BrokerURL.percentDecoded(user[..<colon])
                password = BrokerURL.percentDecoded(user[user.index(after: colon)...])
            } else {
                username = BrokerURL.percentDecoded(user)
            }
            authority = authority[authority.index(after: at)...]
        }
        var host = String(authority)
        var port = defaultPort
        if let bracketEnd = authority.firstIndex(of: "]"), authority.hasPrefix("[") {
            host = String(authority[authority.index(after: authority.startIndex)..<bracketEnd])
            authority = authority[authority.index(after: bracketEnd)...]
            if authority.hasPrefix(":") { port = try BrokerURL.port(authority.dropFirst(), failure) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = try BrokerURL.port(authority[authority.index(after: colon)...], failure)
        }
        var database: Int?
        if kind == .redis, authorityEnd < first.endIndex, first[authorityEnd] == "/" {
            let path = first[first.index(after: authorityEnd)...].prefix { $0 != "?" }
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else { throw failure }
                database = number
            }
        }
        self.host = host
        self.port = port
        self.username = username.flatMap { $0.isEmpty ? nil : $0 }
        self.password = password.flatMap { $0.isEmpty ? nil : $0 }
        self.database = database
    }

    public static func parse(_ text: String) throws(SettingValueError) -> BrokerURL { try BrokerURL(text) }
    public var settingText: String { text }
    public static var typeSummary: String { "broker URL" }
    public var redactedText: String { DatabaseURL.redactingPassword(in: text) }
    public var description: String { redactedText }

    public static func == (lhs: BrokerURL, rhs: BrokerURL) -> Bool { lhs.text == rhs.text }

    private static func port(_ text: Substring, _ failure: SettingValueError) throws(SettingValueError) -> UInt16 {
        guard let number = UInt16(text), number > 0 else { throw failure }
        return number
    }

    /// `%40` → `@`; an invalid escape is kept as written.
    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
