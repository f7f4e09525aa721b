import DjinitPosix

/// A type a setting's value can have: how it is parsed from the environment and printed back.
///
/// Parsing is strict. A value that does not fit is an error naming what was expected; djinit never
/// guesses (a bare `10` is not a duration: ten what?).
public protocol SettingValue: Sendable, Equatable {
    /// Parses the raw text of an environment variable.
    /// - Throws: `SettingValueError` saying what was expected.
    static func parse(_ text: String) throws(SettingValueError) -> Self

    /// The value as a user would write it, and as `djinit config` prints it.
    var settingText: String { get }

    /// What values look like, for the reference table, e.g. `duration (10s, 1500ms)`.
    static var typeSummary: String { get }

    /// How `djinit config` shows the value of a secret setting. Whole redaction by default; a
    /// connection URL shows everything but its password.
    var redactedText: String { get }

    /// The values' form as a regular expression (ECMA-262 and RE2 alike), for the JSON Schemas of
    /// app.yaml and the Helm chart: as close as a pattern gets to `parse`, which has the last word.
    static var pattern: String { get }
}

extension SettingValue {
    public var redactedText: String { "(redacted)" }
}

/// Why a value did not parse: what was expected, in words that finish "expected ...".
public struct SettingValueError: Error, Equatable {
    public let expected: String
    public init(expected: String) { self.expected = expected }
}

/// A setting whose values are a fixed set of words, like `child|group`.
public protocol EnumSettingValue: SettingValue, RawRepresentable<String>, CaseIterable {}

extension EnumSettingValue {
    public static func parse(_ text: String) throws(SettingValueError) -> Self {
        if let value = Self(rawValue: text) { return value }
        throw SettingValueError(expected: "one of \(choices)")
    }

    public var settingText: String { rawValue }
    public static var typeSummary: String { "one of " + allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ") }
    public static var pattern: String { "^(" + allCases.map { $0.rawValue }.joined(separator: "|") + ")$" }
    private static var choices: String { allCases.map { $0.rawValue }.joined(separator: "|") }
}

extension Duration: SettingValue {
    /// Parses durations such as `10s`, `1500ms`, `2m`, `1h` and combinations like `1m30s`, of at
    /// most `Duration.longestSetting`: every duration djinit computes with stays far from
    /// overflowing, however many parts the text has.
    public static func parse(_ text: String) throws(SettingValueError) -> Duration {
        let failure = SettingValueError(expected: "a duration like 10s or 1500ms, of at most \(longestSetting.settingText)")
        let limit = longestSetting.wholeMilliseconds
        var milliseconds: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { throw failure }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let amount = Int64(digits) else { throw failure }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Int64 = switch unit {
            case "ms": 1
            case "s": 1000
            case "m": 60_000
            case "h": 3_600_000
            default: throw failure
            }
            // At most 9 digits times an hour fits easily; the sum is checked at every part.
            milliseconds += amount * scale
            guard milliseconds <= limit else { throw failure }
        }
        return .milliseconds(milliseconds)
    }

    /// The longest duration a setting (or app.yaml) may give: a year.
    public static let longestSetting: Duration = .seconds(365 * 24 * 3600)

    /// The shortest exact spelling: `10s`, `1500ms`, `1m30s`.
    public var settingText: String {
        let milliseconds = wholeMilliseconds
        if milliseconds == 0 { return "0s" }
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        var seconds = milliseconds / 1000
        var text = ""
        if seconds >= 3600 && seconds % 60 == 0 {
            text += "\(seconds / 3600)h"
            seconds %= 3600
        }
        if seconds >= 60 {
            text += "\(seconds / 60)m"
            seconds %= 60
        }
        if seconds > 0 { text += "\(seconds)s" }
        return text
    }

    public static var typeSummary: String { "duration (`10s`, `1500ms`, `1m30s`)" }
    public static var pattern: String { "^([0-9]{1,9}(ms|s|m|h))+$" }
}

/// A TCP port number, 1 to 65535.
public struct Port: SettingValue, Hashable, CustomStringConvertible {
    public let number: UInt16

    public init(_ number: UInt16) {
        precondition(number > 0, "port 0 is not a port")
        self.number = number
    }

    public static func parse(_ text: String) throws(SettingValueError) -> Port {
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let number = UInt16(text), number > 0 else {
            throw SettingValueError(expected: "a TCP port number from 1 to 65535")
        }
        return Port(number)
    }

    public var settingText: String { String(number) }
    public var description: String { settingText }
    public static var typeSummary: String { "port (1-65535)" }
    public static var pattern: String { "^0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$" }
}

/// An absolute file-system path, such as a directory djinit reads at start-up.
public struct AbsolutePath: SettingValue, Hashable, CustomStringConvertible {
    /// The path exactly as given.
    public let path: String

    public init(_ path: String) throws(SettingValueError) {
        // A relative path would depend on the working directory the image happens to set.
        guard path.hasPrefix("/"), !path.contains("\0") else {
            throw SettingValueError(expected: "an absolute path like /run/secrets/app")
        }
        self.path = path
    }

    public static func parse(_ text: String) throws(SettingValueError) -> AbsolutePath { try AbsolutePath(text) }
    public var settingText: String { path }
    public var description: String { path }
    public static var typeSummary: String { "absolute path" }
    public static var pattern: String { "^/" }
}

/// A whole number from 1 up, such as a worker count.
public struct Count: SettingValue, Hashable, CustomStringConvertible {
    public let value: Int

    public init(_ value: Int) {
        precondition(value >= 1, "a count is at least 1")
        self.value = value
    }

    public static func parse(_ text: String) throws(SettingValueError) -> Count {
        // Digits only: no sign, no spaces, no `0x`; a leading zero would hint at octal.
        guard !text.isEmpty, text.count <= 6, text.allSatisfy({ $0.isASCII && $0.isNumber }), !text.hasPrefix("0"),
              let value = Int(text) else {
            throw SettingValueError(expected: "a whole number from 1 up, like 4")
        }
        return Count(value)
    }

    public var settingText: String { String(value) }
    public var description: String { settingText }
    public static var typeSummary: String { "whole number (1 or more)" }
    public static var pattern: String { "^[1-9][0-9]{0,5}$" }
}

/// An IPv4 address in dotted-quad form, like `0.0.0.0` or `127.0.0.1`.
public struct IPv4Address: SettingValue, Hashable, CustomStringConvertible {
    /// The address as written, which is also its canonical form (parsing rejects any other).
    public let text: String

    public init(_ text: String) throws(SettingValueError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let valid = parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber }
                && (part == "0" || !part.hasPrefix("0")) && Int(part)! <= 255
        }
        guard valid else { throw SettingValueError(expected: "an IPv4 address like 0.0.0.0 or 127.0.0.1") }
        self.text = text
    }

    public static func parse(_ text: String) throws(SettingValueError) -> IPv4Address { try IPv4Address(text) }
    public var settingText: String { text }
    public var description: String { text }
    public static var typeSummary: String { "IPv4 address" }
    public static var pattern: String { "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$" }
}

/// The path of a URL on the application, like `/health/`: what djinit requests to check it.
public struct URLPath: SettingValue, Hashable, CustomStringConvertible {
    public let path: String

    public init(_ path: String) throws(SettingValueError) {
        // It goes verbatim into a request line: no spaces or control characters may break it.
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw SettingValueError(expected: "a URL path starting with / like /health/, without spaces")
        }
        self.path = path
    }

    public static func parse(_ text: String) throws(SettingValueError) -> URLPath { try URLPath(text) }
    public var settingText: String { path }
    public var description: String { path }
    public static var typeSummary: String { "URL path (`/health/`)" }
    public static var pattern: String { "^/[!-~]*$" }
}

/// A host name for an HTTP `Host` header, like `localhost` or `app.example.com:8000`.
public struct HostHeader: SettingValue, Hashable, CustomStringConvertible {
    public let host: String

    public init(_ host: String) throws(SettingValueError) {
        // It goes verbatim into a request header: letters, digits and the punctuation of host
        // names, IP literals and ports only, so it can never inject another header.
        let allowed = host.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "_")
        }
        guard !host.isEmpty, allowed else {
            throw SettingValueError(expected: "a host name like localhost or app.example.com")
        }
        self.host = host
    }

    public static func parse(_ text: String) throws(SettingValueError) -> HostHeader { try HostHeader(text) }
    public var settingText: String { host }
    public var description: String { host }
    public static var typeSummary: String { "host name" }
    public static var pattern: String { "^[A-Za-z0-9.:\\[\\]_-]+$" }
}

/// Celery queue names, separated by commas as `--queues` takes them: `high,default`. Each name is
/// printable ASCII without spaces, so that djinit's LLEN, Celery's `--queues` and KEDA's Redis
/// trigger all read the same list from it.
public struct QueueNames: SettingValue, Hashable, CustomStringConvertible {
    public let names: [String]

    /// The queue Celery consumes when given no `--queues`.
    public static let celeryDefault = QueueNames(validNames: ["celery"])

    private init(validNames: [String]) { names = validNames }

    public init(_ text: String) throws(SettingValueError) {
        let names = text.split(separator: ",", omittingEmptySubsequences: false)
        guard names.allSatisfy({ name in !name.isEmpty && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } }) else {
            throw SettingValueError(expected: "queue names separated by commas, like high,default, without spaces")
        }
        self.names = names.map(String.init)
    }

    public static func parse(_ text: String) throws(SettingValueError) -> QueueNames { try QueueNames(text) }
    public var settingText: String { names.joined(separator: ",") }
    public var description: String { settingText }
    public static var typeSummary: String { "queue names, comma-separated" }
    /// Printable ASCII but the comma (0x21-0x2B, 0x2D-0x7E), in names joined by commas.
    public static var pattern: String { "^[!-+\\--~]+(,[!-+\\--~]+)*$" }
}

extension String: SettingValue {
    /// Any text; an empty value counts as set-but-empty, not as unset.
    public static func parse(_ text: String) throws(SettingValueError) -> String { text }
    public var settingText: String { self }
    public static var typeSummary: String { "text" }
    public static var pattern: String { "" }
}

/// An optional setting: unset (or set to the empty string) means "none".
extension Optional: SettingValue where Wrapped: SettingValue {
    public static func parse(_ text: String) throws(SettingValueError) -> Wrapped? {
        text.isEmpty ? nil : try Wrapped.parse(text)
    }

    public var settingText: String { self?.settingText ?? "" }
    public var redactedText: String { self?.redactedText ?? "" }
    public static var typeSummary: String { Wrapped.typeSummary }
    /// The empty string is "none" as well.
    public static var pattern: String { Wrapped.pattern.isEmpty ? "" : "^$|" + Wrapped.pattern }
}

extension Bool: SettingValue {
    /// `true` or `false`, nothing else: `0`, `no` or `off` would each be someone's guess.
    public static func parse(_ text: String) throws(SettingValueError) -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw SettingValueError(expected: "true or false")
        }
    }

    public var settingText: String { self ? "true" : "false" }
    public static var typeSummary: String { "`true` or `false`" }
    public static var pattern: String { "^(true|false)$" }
}
