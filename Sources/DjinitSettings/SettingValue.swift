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
    private static var choices: String { allCases.map(\.rawValue).joined(separator: "|") }
}

extension Duration: SettingValue {
    /// Parses durations such as `10s`, `1500ms`, `2m`, `1h` and combinations like `1m30s`.
    public static func parse(_ text: String) throws(SettingValueError) -> Duration {
        let failure = SettingValueError(expected: "a duration like 10s or 1500ms")
        var total = Duration.zero
        var rest = Substring(text)
        guard !rest.isEmpty else { throw failure }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let amount = Int64(digits) else { throw failure }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += .milliseconds(amount)
            case "s": total += .seconds(amount)
            case "m": total += .seconds(amount * 60)
            case "h": total += .seconds(amount * 3600)
            default: throw failure
            }
        }
        return total
    }

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

    /// The duration in whole milliseconds, rounded down.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// A TCP port number, 1 to 65535.
public struct Port: SettingValue, Hashable, CustomStringConvertible {
    public let number: UInt16

    public init(_ number: UInt16) {
        precondition(number > 0, "port 0 is not a port")
        self.number = number
    }

    public static func parse(_ text: String) throws(SettingValueError) -> Port {
        guard let number = UInt16(text), number > 0 else {
            throw SettingValueError(expected: "a TCP port number from 1 to 65535")
        }
        return Port(number)
    }

    public var settingText: String { String(number) }
    public var description: String { settingText }
    public static var typeSummary: String { "port (1-65535)" }
}

extension String: SettingValue {
    /// Any text; an empty value counts as set-but-empty, not as unset.
    public static func parse(_ text: String) throws(SettingValueError) -> String { text }
    public var settingText: String { self }
    public static var typeSummary: String { "text" }
}

/// An optional setting: unset (or set to the empty string) means "none".
extension Optional: SettingValue where Wrapped: SettingValue {
    public static func parse(_ text: String) throws(SettingValueError) -> Wrapped? {
        text.isEmpty ? nil : try Wrapped.parse(text)
    }

    public var settingText: String { self?.settingText ?? "" }
    public var redactedText: String { self?.redactedText ?? "" }
    public static var typeSummary: String { Wrapped.typeSummary }
}
