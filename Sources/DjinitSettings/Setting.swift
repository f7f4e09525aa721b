/// The commands of `djinit`, as far as settings are concerned: which command reads a setting.
public enum CommandName: String, Sendable, CaseIterable {
    case exec, `init`, run, async, probe
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

    public init(
        _ name: String, default defaultValue: Value, usedBy: [CommandName] = [], secret: Bool = false,
        _ summary: String
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.summary = summary
        self.usedBy = usedBy
        self.isSecret = secret
    }

    /// The type-erased description of this setting, for listings.
    public var descriptor: SettingDescriptor {
        SettingDescriptor(name: name, valueType: Value.self, defaultValue: defaultValue, summary: summary,
                          usedBy: usedBy, isSecret: isSecret)
    }
}

/// A setting with its value type erased, for listing and validating all of them alike.
public struct SettingDescriptor: Sendable {
    public let name: String
    let valueType: any SettingValue.Type
    let defaultValue: any SettingValue
    public let summary: String
    public let usedBy: [CommandName]
    public let isSecret: Bool

    /// What values look like, e.g. `duration (10s, 1500ms)`.
    public var typeSummary: String { valueType.typeSummary }

    /// The default as a user would write it.
    public var defaultText: String { defaultValue.settingText }

    /// The canonical text of a value, or the reason it does not parse.
    func normalize(_ text: String) throws(SettingValueError) -> String {
        try valueType.parse(text).settingText
    }
}
