/// Renderings of the schema for people: the effective settings and the README's reference table.
public enum SettingsReport {
    /// The redacted stand-in for a secret value.
    public static let redacted = "(redacted)"

    /// One `NAME=value  # source` line per setting, secrets redacted.
    public static func effective(_ settings: Settings, schema: [SettingDescriptor] = Schema.all) -> String {
        let width = schema.map { $0.name.count + settings.text(of: $0).count }.max() ?? 0
        var out = ""
        for setting in schema {
            let value = setting.isSecret ? redacted : settings.text(of: setting)
            let source = settings.source(of: setting.name) == .environment ? "from the environment" : "default"
            let pad = String(repeating: " ", count: max(0, width - setting.name.count - value.count))
            out += "\(setting.name)=\(value)\(pad)  # \(source)\n"
        }
        return out
    }

    /// The Markdown reference table the README embeds.
    public static func markdownTable(schema: [SettingDescriptor] = Schema.all) -> String {
        var out = "| Variable | Default | Type | Used by | Description |\n|---|---|---|---|---|\n"
        for setting in schema {
            let usedBy = setting.usedBy.isEmpty ? "all" : setting.usedBy.map { "`\($0.rawValue)`" }.joined(separator: ", ")
            let defaultText = setting.defaultText.isEmpty ? "(unset)" : "`\(setting.defaultText)`"
            let summary = setting.summary + (setting.isSecret ? " Secret: never printed." : "")
            out += "| `\(setting.name)` | \(defaultText) | \(setting.typeSummary) | \(usedBy) | \(summary) |\n"
        }
        return out
    }
}
