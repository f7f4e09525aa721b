import DjinitText

/// A PostgreSQL failure: the server's SQLSTATE when there is one, and libpq's message.
///
/// Messages come from libpq and the server once a connection is under way, which never include
/// the password; djinit's own messages name connections by their redacted URL. libpq's messages
/// about the settings themselves are never kept (`unusableSettings`).
public struct PostgresError: Error, Equatable, CustomStringConvertible {
    /// The five-character SQLSTATE, e.g. `28P01`; nil for failures below SQL (refused, timed out).
    public let sqlState: String?
    /// The message without its severity and SQLSTATE prefix, on one line.
    public let message: String
    /// libpq refused the connection settings themselves (an option or a `PG*` variable it cannot
    /// use) before it tried to connect: waiting cannot fix that.
    public let isUnusableSettings: Bool

    public init(sqlState: String?, message: String, isUnusableSettings: Bool = false) {
        self.sqlState = sqlState
        self.message = message
        self.isUnusableSettings = isUnusableSettings
    }

    /// libpq could not start connecting with the settings it was given. Its own message is not
    /// kept: it quotes the option it did not understand, which may hold a password.
    public static let unusableSettings = PostgresError(
        sqlState: nil, message: "libpq cannot use the connection settings (the URL's options or the PG* variables); "
            + "its message is not shown, since it may quote them", isUnusableSettings: true)

    /// Splits libpq's verbose error text (`FATAL:  28P01: password authentication failed ...`)
    /// into SQLSTATE and message. Connection failures carry no result object to ask for fields, so
    /// the verbose text is the only place the server's SQLSTATE shows up.
    public init(libpqMessage text: String) {
        var lines = text.split(separator: "\n").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        // Drop LOCATION lines and libpq's "connection to server ... failed:" preamble when a
        // server line follows.
        lines.removeAll { $0.hasPrefix("LOCATION:") }
        var sqlState: String?
        var message = lines.joined(separator: " ")
        for severity in ["FATAL:", "ERROR:", "PANIC:"] {
            let matches = lines.lazy.compactMap { line in line.firstRange(ofSubstring: severity).map { (line: line, at: $0) } }
            guard let match = matches.first else { continue }
            let afterSeverity = match.line[match.at.upperBound...].trimmingWhitespace()
            let code = afterSeverity.prefix(5)
            if code.count == 5, afterSeverity.dropFirst(5).hasPrefix(":"),
               code.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isUppercase) }) {
                sqlState = String(code)
                message = afterSeverity.dropFirst(6).trimmingWhitespace()
            } else {
                message = afterSeverity
            }
            break
        }
        self.init(sqlState: sqlState, message: message)
    }

    public var description: String {
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return String(self[start..<Swift.max(start, end)])
    }

}
