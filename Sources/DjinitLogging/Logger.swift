import DjinitPosix

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

    static func textLine(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, LogValue>) -> String {
        var line = "[djinit] "
        if level >= .warning { line += level == .error ? "error: " : "warning: " }
        line += message
        for (key, value) in fields {
            line += " \(key)="
            switch value {
            case .int(let number): line += String(number)
            case .string(let text):
                let needsQuotes = text.isEmpty || text.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" }
                line += needsQuotes ? jsonString(text) : text
            }
        }
        return line + "\n"
    }

    static func jsonLine(
        _ level: LogLevel, _ event: String, _ message: String, _ fields: KeyValuePairs<String, LogValue>, time: String
    ) -> String {
        var line = "{\"time\":\(jsonString(time)),\"level\":\(jsonString(level.name)),"
            + "\"event\":\(jsonString(event)),\"message\":\(jsonString(message))"
        for (key, value) in fields {
            line += ",\(jsonString(key)):"
            switch value {
            case .int(let number): line += String(number)
            case .string(let text): line += jsonString(text)
            }
        }
        return line + "}\n"
    }

    /// `text` as a JSON string literal (RFC 8259 escaping).
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
