/// A Celery broker URL (`redis://:password@host:6379/0`, `amqp://user:password@host//`), or
/// Celery's failover list of them (`sentinel://:pw@a:26379;sentinel://:pw@b:26379`), as Celery
/// reads it from `CELERY_BROKER_URL`.
///
/// djinit never hands it to Celery (Celery reads the variable itself). It reads the host and port
/// of the first URL, to check for `/readyz` that the broker is reachable. Every URL of the list is
/// parsed whole, the way kombu splits it (Python's `urlsplit`: the user part ends at the last `@`
/// before the path), and what djinit prints is rebuilt from those parts with each password as
/// `***`. A URL that does not parse, or whose password was evidently not percent-encoded (an `@`
/// left over in the path), is a bad setting: exit 2, the value never shown.
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

    /// One URL of the list, in its parts.
    struct Part: Sendable {
        var scheme: String
        /// The user part as written (percent-encoded), nil without one.
        var user: Substring?
        var hasPassword: Bool
        var password: String?
        /// The host as written, IPv6 brackets included.
        var host: Substring
        var port: UInt16?
        /// From the `/` after the host up to the query, as written.
        var path: Substring
        /// `key=value` pairs as written (never shown).
        var query: [(key: Substring, value: Substring?)]
        var fragment: Substring?

        /// This URL with its password as `***`, and its query and fragment too: their parameters
        /// are the transport's own (a `password=` among them, or what is left of a password with
        /// an unencoded `&` or `#`), so only whether there are any is shown.
        var redacted: String {
            var url = scheme + "://"
            if let user { url += user }
            if hasPassword { url += ":***" }
            if user != nil || hasPassword { url += "@" }
            url += host
            if let port { url += ":\(port)" }
            url += path
            if !query.isEmpty { url += "?***" }
            if fragment != nil { url += "#***" }
            return url
        }
    }

    /// The URL exactly as given.
    public let text: String
    public let kind: Kind
    /// The first URL's host, without brackets; empty when it names none (Celery then uses localhost).
    public let host: String
    /// The first URL's port: its own, or the scheme's default.
    public let port: UInt16
    /// The first URL's user and password, percent-decoded; nil when absent.
    public let username: String?
    public let password: String?
    /// The Redis database number in the first URL's path (`/3`), if any.
    public let database: Int?
    private let parts: [Part]

    public init(_ text: String) throws(SettingValueError) {
        let failure = SettingValueError(expected: "a broker URL like redis://host:6379/0 or amqp://user:password@host// "
            + "(percent-encode '/', '?', '@', '#' and '%' in the user name and password), or several separated by ';'")
        guard !text.isEmpty, !text.unicodeScalars.contains(where: { $0 == " " || $0.value < 0x21 || $0.value == 0x7F }) else {
            throw failure
        }
        parts = try text.split(separator: ";", omittingEmptySubsequences: false).map { url throws(SettingValueError) in
            guard let part = BrokerURL.split(url) else { throw failure }
            return part
        }
        let first = parts[0]
        let defaultPort: UInt16
        switch first.scheme.lowercased() {
        case "redis": (kind, defaultPort) = (.redis, 6379)
        case "rediss": (kind, defaultPort) = (.tcpOnly, 6379)
        case "amqp", "pyamqp", "librabbitmq": (kind, defaultPort) = (.tcpOnly, 5672)
        case "amqps": (kind, defaultPort) = (.tcpOnly, 5671)
        default: (kind, defaultPort) = (.unchecked, 0)
        }
        var database: Int?
        if kind == .redis, first.path.count > 1 {
            guard let number = Int(first.path.dropFirst()), number >= 0 else { throw failure }
            database = number
        }
        self.text = text
        self.database = database
        host = first.host.hasPrefix("[") ? String(first.host.dropFirst().dropLast()) : String(first.host)
        port = first.port ?? defaultPort
        username = first.user.map { BrokerURL.percentDecoded($0) }.flatMap { $0.isEmpty ? nil : $0 }
        password = first.password.flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func parse(_ text: String) throws(SettingValueError) -> BrokerURL { try BrokerURL(text) }
    public var settingText: String { text }
    public static var typeSummary: String { "broker URL" }
    public static var pattern: String { "^[A-Za-z][A-Za-z0-9+.-]*://" }
    /// Every URL of the list rebuilt from its parts, passwords as `***`.
    public var redactedText: String { parts.map { $0.redacted }.joined(separator: ";") }
    public var description: String { redactedText }

    public static func == (lhs: BrokerURL, rhs: BrokerURL) -> Bool { lhs.text == rhs.text }

    /// Splits one URL as Python's `urlsplit` does; nil when it is not one, or when an `@` is left
    /// outside the user part (a password whose `/` or `@` was not percent-encoded).
    static func split(_ url: Substring) -> Part? {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let scheme = url[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        var rest = url[url.index(colon, offsetBy: 3)...]
        var fragment: Substring?
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        var query: [(key: Substring, value: Substring?)] = []
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...].split(separator: "&").map { pair in
                guard let equals = pair.firstIndex(of: "=") else { return (pair, nil) }
                return (pair[..<equals], pair[pair.index(after: equals)...])
            }
            rest = rest[..<mark]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        // An '@' after the host is the end of a user part whose password held an unencoded '/',
        // '?' or '#': the rest of the password would be read as the path, query or fragment.
        guard !url[authority.endIndex...].contains("@") else { return nil }
        var user: Substring?
        var password: String?
        var hasPassword = false
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let separator = userInfo.firstIndex(of: ":") {
                user = userInfo[..<separator]
                password = percentDecoded(userInfo[userInfo.index(after: separator)...])
                hasPassword = true
            } else {
                user = userInfo
            }
            authority = authority[authority.index(after: at)...]
        }
        var host = authority
        var port: UInt16?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = portNumber(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let separator = authority.lastIndex(of: ":") {
            host = authority[..<separator]
            let digits = authority[authority.index(after: separator)...]
            if !digits.isEmpty {
                guard let number = portNumber(digits) else { return nil }
                port = number
            }
        }
        guard !host.contains(":") || host.hasPrefix("[") else { return nil }
        return Part(scheme: String(scheme), user: user, hasPassword: hasPassword, password: password, host: host, port: port,
                    path: path, query: query, fragment: fragment)
    }

    /// 1 to 65535, in digits only (no sign).
    private static func portNumber(_ digits: Substring) -> UInt16? {
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt16(digits), number > 0 else { return nil }
        return number
    }

    /// `%40` → `@`; an invalid escape is kept as written, as Python's `unquote` keeps it.
    static func percentDecoded(_ text: Substring) -> String {
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
