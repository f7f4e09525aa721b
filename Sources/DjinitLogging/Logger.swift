import DjinitPosix
import DjinitText

/// How severe a log event is; events below the logger's level are dropped.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case debug, info, warning, error

    /// The name `DJINIT_LOG_LEVEL` and JSON lines use.
    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warn"
        case .error: "error"
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How each event is written.
public enum LogFormat: Sendable {
    /// `[djinit] message key=value ...`, for people reading `kubectl logs`.
    case text
    /// One JSON object a line: `time`, `level`, `event`, `message` and the fields, for aggregators.
    case json
}

/// A value logged beside a message.
public enum LogValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case int(Int)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(_ value: some BinaryInteger) { self = .int(Int(value)) }
    public init(_ value: some CustomStringConvertible) { self = .string(value.description) }
}

/// djinit's logger: one line per event to standard error, nothing buffered.
///
/// It writes with a single write(2) per line, so lines from djinit and its children interleave
/// whole, and it needs no lock: djinit has one thread.
public struct Logger: Sendable {
    public var level: LogLevel
    public var format: LogFormat
    /// Where lines go; standard error unless a test says otherwise.
    public var fileDescriptor: Int32

    public init(level: LogLevel = .info, format: LogFormat = .text, fileDescriptor: Int32 = 2) {
        self.level = level
        self.format = format
        self.fileDescriptor = fileDescriptor
    }

    public func debug(_ event: String, _ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) {
        log(.debug, event, message, fields)
    }

    public func info(_ event: String, _ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) {
        log(.info, event, message, fields)
    }

    public func warning(_ event: String, _ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) {
        log(.warning, event, message, fields)
    }

    public func error(_ event: String, _ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) {
        log(.error, event, message, fields)
    }

    /// Writes one event if `level` is at or above the logger's.
    ///
    /// - Parameters:
    ///   - event: a stable, machine-readable name such as `child-exited`.
    ///   - message: the sentence a person reads.
    public func log(_ level: LogLevel, _ event: String, _ message: String, _ fields: KeyValuePairs<String, LogValue>) {
        guard level >= self.level else { return }
        let line = switch format {
        case .text: Logger.textLine(level, message, fields)
        case .json: Logger.jsonLine(level, event, message, fields, time: WallClock.timestamp())
        }
        writeAll(fileDescriptor, Array(line.utf8))
    }

    /// `[djinit] message key=value ...`. Messages and values often hold text from outside (a
    /// command name, a server's reason), so both go through `Escaping`: a line break or another
    /// control character in them is spelled out, and can never start a line of its own.
    static func textLine(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, LogValue>) -> String {
        var line = "[djinit] "
        if level >= .warning { line += level == .error ? "error: " : "warning: " }
        line += Escaping.oneLine(message)
        for (key, value) in fields {
            line += " \(key)="
            switch value {
            case .int(let number): line += String(number)
            case .string(let text): line += isBareValue(text) ? text : Escaping.jsonString(text)
            }
        }
        return line + "\n"
    }

    /// Whether a field's value can follow `key=` without quotes: printable ASCII other than a
    /// space, a quote and `=`, so that the line still splits into its fields.
    private static func isBareValue(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "=")
        }
    }

    static func jsonLine(
        _ level: LogLevel, _ event: String, _ message: String, _ fields: KeyValuePairs<String, LogValue>, time: String
    ) -> String {
        let quote: (String) -> String = Escaping.jsonString
        var line = "{\"time\":\(quote(time)),\"level\":\(quote(level.name)),"
            + "\"event\":\(quote(event)),\"message\":\(quote(message))"
        for (key, value) in fields {
            line += ",\(quote(key)):"
            switch value {
            case .int(let number): line += String(number)
            case .string(let text): line += quote(text)
            }
        }
        return line + "}\n"
    }
}
