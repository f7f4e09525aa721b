import CLibPQ

/// A PostgreSQL connection URL (`postgres://user:password@host:port/dbname?options`), as libpq
/// and dj-database-url take it.
///
/// djinit hands the text to libpq unchanged, so libpq's own parser (`PQconninfoParse`) is the one
/// that reads it here too: what libpq cannot read, or would read other than meant, is a bad setting
/// at start-up (exit 2, the value never shown), not a connection that fails later with the URL in
/// its error. The text djinit prints is rebuilt from that parse, with every option libpq counts
/// as a password (`password`, `sslpassword`) replaced by `***`: nothing of the text as given is
/// ever spliced, so no way of writing a password can make part of it show.
public struct DatabaseURL: SettingValue, CustomStringConvertible {
    /// The URL exactly as given.
    public let text: String
    /// The options as libpq read them, in libpq's order, secrets already replaced by `***`.
    private let shown: [(keyword: String, value: String)]

    public init(_ text: String) throws(SettingValueError) {
        let failure = SettingValueError(
            expected: "a PostgreSQL URL like postgres://user:password@host:5432/dbname that libpq reads as written "
                + "(percent-encode '/', '?', '@', '#' and '%' in the user name and password, e.g. '/' as %2F)")
        // A URL has no raw space or control character, and one that names nothing at all
        // (`postgres://`) is a mistake: leave DATABASE_URL unset to use libpq's PG* variables.
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
              !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
              let options = DatabaseURL.libpqOptions(text), !options.isEmpty else { throw failure }
        // A literal '@' that libpq did not take for the end of the user part: an unencoded '/' or
        // '@' in the password moved the rest of it into the host, port or database name.
        let ats = text.utf8.count { $0 == UInt8(ascii: "@") }
        let misread = options.contains { option in
            ["host", "hostaddr", "port", "dbname"].contains(option.keyword) && option.value.contains("@")
        }
        guard ats <= 1, !misread else { throw failure }
        // libpq checks ports only when it connects, and says which value it did not like.
        for option in options where option.keyword == "port" {
            guard option.value.split(separator: ",", omittingEmptySubsequences: false)
                .allSatisfy({ $0.isEmpty || (UInt16($0).map { $0 > 0 } ?? false) }) else { throw failure }
        }
        self.text = text
        shown = options.map { ($0.keyword, $0.isSecret ? "***" : $0.value) }
    }

    public static func parse(_ text: String) throws(SettingValueError) -> DatabaseURL { try DatabaseURL(text) }
    public var settingText: String { text }
    public static var typeSummary: String { "PostgreSQL URL" }
    public static var pattern: String { "^postgres(ql)?://" }

    public static func == (lhs: DatabaseURL, rhs: DatabaseURL) -> Bool { lhs.text == rhs.text }

    /// The URL rebuilt from libpq's reading of it, passwords as `***`: safe to log and to put in
    /// error messages, e.g. `postgres://app:***@db:5432/app?sslmode=require`.
    public var redactedText: String {
        func value(_ keyword: String) -> String? { shown.first { $0.keyword == keyword }?.value }
        var url = "postgres://"
        if let user = value("user") { url += DatabaseURL.encoded(user) }
        if let password = value("password") { url += ":" + password }
        if value("user") != nil || value("password") != nil { url += "@" }
        let hosts = value("host").map { $0.split(separator: ",", omittingEmptySubsequences: false) } ?? []
        let ports = value("port").map { $0.split(separator: ",", omittingEmptySubsequences: false) } ?? []
        url += (0..<max(hosts.count, ports.count)).map { index in
            let host = index < hosts.count ? String(hosts[index]) : ""
            let port = ports.count == 1 ? ports[0] : index < ports.count ? ports[index] : ""
            let spelled = host.contains(":") ? "[\(host)]" : DatabaseURL.encoded(host)
            return spelled + (port.isEmpty ? "" : ":\(port)")
        }.joined(separator: ",")
        if let database = value("dbname") { url += "/" + DatabaseURL.encoded(database) }
        let rest = shown.filter { !["user", "password", "host", "port", "dbname"].contains($0.keyword) }
        if !rest.isEmpty {
            url += "?" + rest.map { "\($0.keyword)=\($0.value == "***" ? "***" : DatabaseURL.encoded($0.value))" }
                .joined(separator: "&")
        }
        return url
    }

    /// The redacted form: safe to log and to put in error messages.
    public var description: String { redactedText }

    /// The options libpq reads from `text`, or nil where it cannot read it. libpq's error message
    /// is dropped unread: it quotes the part it did not understand, which may be the password.
    private static func libpqOptions(_ text: String) -> [(keyword: String, value: String, isSecret: Bool)]? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var result: [(keyword: String, value: String, isSecret: Bool)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                // libpq marks what must never be shown with the display character '*'.
                let isSecret = option.pointee.dispchar.map { $0.pointee == CChar(UInt8(ascii: "*")) } ?? false
                result.append((String(cString: keyword), String(cString: value), isSecret))
            }
            option += 1
        }
        return result
    }

    /// `text` with everything but RFC 3986's unreserved characters percent-encoded, as it must be
    /// to read back as the same value from any part of a URL.
    private static func encoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~".utf8.contains(byte)
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
