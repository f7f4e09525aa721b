/// The commands of `djinit`, as far as settings are concerned: which command reads a setting.
public enum CommandName: String, Sendable, CaseIterable {
    case exec, `init`, run, async, beat, probe, install

    /// The release that first had the command: an older djinit refuses it as unknown.
    public var since: Release { self == .beat || self == .install ? Release(0, 2, 0) : .first }
}

/// One environment variable djinit reads: its name, type, default and one-line documentation.
///
/// Every setting is declared once, in `Schema`; `djinit config`, the README's reference table and
/// djinit-kube's manifests are all derived from those declarations.
public struct Setting<Value: SettingValue>: Sendable {
    /// The environment variable, e.g. `DJINIT_KILL_GRACE`.
    public let name: String
    /// The value when the variable is unset.
    public let defaultValue: Value
    /// One line for the reference table.
    public let summary: String
    /// Which commands read it; empty means all of them.
    public let usedBy: [CommandName]
    /// Whether its value must never be printed.
    public let isSecret: Bool
    /// The release that first knew it: an older djinit refuses it (see `Release`).
    public let since: Release

    /// `since` names the release a new setting first ships in, as a literal: `Release(0, 3, 0)`.
    public init(
        _ name: String, default defaultValue: Value, usedBy: [CommandName] = [], secret: Bool = false,
        since: Release = .first, _ summary: String
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.summary = summary
        self.usedBy = usedBy
        self.isSecret = secret
        self.since = since
    }

    /// A setting of djinit's schema (`Schema`).
    init(
        _ name: SettingName, default defaultValue: Value, usedBy: [CommandName] = [], secret: Bool = false,
        since: Release = .first, _ summary: String
    ) {
        self.init(name.rawValue, default: defaultValue, usedBy: usedBy, secret: secret, since: since, summary)
    }

    /// The type-erased description of this setting, for listings.
    public var descriptor: SettingDescriptor {
        let defaultValue = defaultValue
        return SettingDescriptor(
            name: name, summary: summary, usedBy: usedBy, isSecret: isSecret, since: since,
            typeSummaryOf: { Value.typeSummary }, patternOf: { Value.pattern },
            defaultTextOf: { defaultValue.settingText },
            normalizing: { text throws(SettingValueError) in try Value.parse(text).settingText },
            redacting: { text in
                guard let text, let value = try? Value.parse(text) else { return defaultValue.redactedText }
                return value.redactedText
            })
    }
}

/// A setting with its value type erased, for listing and validating all of them alike.
///
/// Closures rather than `any SettingValue` on purpose: each closure is specialized where the
/// setting is declared, while an existential of a conditionally conforming type (an optional
/// setting) would be built at run time, on every start of djinit, by a scan of every protocol
/// conformance in the static binary.
public struct SettingDescriptor: Sendable {
    public let name: String
    public let summary: String
    public let usedBy: [CommandName]
    public let isSecret: Bool
    public let since: Release
    private let typeSummaryOf: @Sendable () -> String
    private let patternOf: @Sendable () -> String
    private let defaultTextOf: @Sendable () -> String
    private let normalizing: @Sendable (String) throws(SettingValueError) -> String
    private let redacting: @Sendable (String?) -> String

    init(name: String, summary: String, usedBy: [CommandName], isSecret: Bool, since: Release,
         typeSummaryOf: @escaping @Sendable () -> String, patternOf: @escaping @Sendable () -> String,
         defaultTextOf: @escaping @Sendable () -> String,
         normalizing: @escaping @Sendable (String) throws(SettingValueError) -> String,
         redacting: @escaping @Sendable (String?) -> String) {
        self.name = name
        self.summary = summary
        self.usedBy = usedBy
        self.isSecret = isSecret
        self.since = since
        self.typeSummaryOf = typeSummaryOf
        self.patternOf = patternOf
        self.defaultTextOf = defaultTextOf
        self.normalizing = normalizing
        self.redacting = redacting
    }

    /// What values look like, e.g. `duration (10s, 1500ms)`.
    public var typeSummary: String { typeSummaryOf() }

    /// The values' form as a regular expression, for JSON Schemas; empty for any text.
    public var pattern: String { patternOf() }

    /// The default as a user would write it.
    public var defaultText: String { defaultTextOf() }

    /// The canonical text of a value, or the reason it does not parse.
    func normalize(_ text: String) throws(SettingValueError) -> String {
        try normalizing(text)
    }

    /// How `djinit config` shows `text` (nil: the default) of a secret setting.
    func redacted(_ text: String?) -> String {
        redacting(text)
    }
}
