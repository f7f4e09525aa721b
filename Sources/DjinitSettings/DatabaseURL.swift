/// A PostgreSQL connection URL (`postgres://user:password@host:port/dbname?options`), as libpq
/// and dj-database-url take it.
///
/// djinit hands the text to libpq unchanged; it checks only the shape, so that a typo is an error
/// at start-up that names the variable, and it knows where the password is so it never prints it.
public struct DatabaseURL: SettingValue, CustomStringConvertible {
    /// The URL exactly as given.
    public let text: String

    public init(_ text: String) throws(SettingValueError) {
        let failure = SettingValueError(expected: "a PostgreSQL URL like postgres://user:password@host:5432/dbname")
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else { throw failure }
        let rest = text.drop { $0 != "/" }.dropFirst(2)
        guard !rest.isEmpty, !rest.contains(where: { $0 == " " || $0 == "\n" }) else { throw failure }
        self.text = text
    }

    public static func parse(_ text: String) throws(SettingValueError) -> DatabaseURL { try DatabaseURL(text) }
    public var settingText: String { text }
    public static var typeSummary: String { "PostgreSQL URL" }

    /// The URL with its password (in the user part or a `password=` option) replaced by `***`.
    public var redactedText: String { DatabaseURL.redactingPassword(in: text) }

    /// The redacted form: safe to log and to put in error messages.
    public var description: String { redactedText }

    /// `text` with any password in it replaced by `***`: the one in `user:password@`, and the
    /// value of a `password=` query option.
    public static func redactingPassword(in text: String) -> String {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else { return text }
        let authorityStart = text.index(colon, offsetBy: 3)
        let authorityEnd = text[authorityStart...].firstIndex { $0 == "/" || $0 == "?" } ?? text.endIndex
        var result = String(text[..<authorityStart])
        let authority = text[authorityStart..<authorityEnd]
        // The last '@' ends the user part: an unescaped '@' in a password is wrong but common.
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            result += authority[...colon] + "***" + authority[at...]
        } else {
            result += authority
        }
        var tail = String(text[authorityEnd...])
        if let query = tail.firstIndex(of: "?") {
            let options = tail[tail.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("password=") ? "password=***" : String($0) }
            tail = tail[...query] + options.joined(separator: "&")
        }
        return result + tail
    }
}
