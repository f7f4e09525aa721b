import DjinitLogging
import DjinitPosix
import DjinitSettings
import DjinitText

/// Output that is not a log event: command results on standard output, and the errors djinit
/// reports before it has a configured logger.
enum Console {
    /// Writes `text` to standard output as it is.
    static func out(_ text: String) {
        writeAll(1, Array(text.utf8))
    }

    /// Writes `djinit: message` lines to standard error, one per line of `message`. Values quoted
    /// in a message are escaped where they are quoted (`Escaping.quotedValue`); any other control
    /// character is escaped here, so no line can pass for something djinit did not write.
    static func error(_ message: String) {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { "djinit: \(Escaping.oneLine($0))\n" }
        writeAll(2, Array(lines.joined().utf8))
    }
}

extension Logger {
    /// The logger the settings ask for.
    init(_ settings: Settings) {
        let level: LogLevel = switch settings[Schema.logLevel] {
        case .debug: .debug
        case .info: .info
        case .warn: .warning
        case .error: .error
        }
        let format: LogFormat = settings[Schema.logFormat] == .json ? .json : .text
        self.init(level: level, format: format)
    }
}
