import DjinitText

/// Renderings of the schema for people: the effective settings and the README's reference table.
public enum SettingsReport {
    /// One `NAME=value  # source` line per setting, secrets redacted, and any control character
    /// in a value escaped (`Escaping.oneLine`), so that a value cannot add a line of its own.
    public static func effective(_ settings: Settings, schema: [SettingDescriptor] = Schema.all) -> String {
        let lines = schema.map { setting in
            let value = Escaping.oneLine(setting.isSecret ? settings.redactedText(of: setting) : settings.text(of: setting))
            let source = settings.source(of: setting.name) == .environment ? "from the environment" : "default"
            return (assignment: "\(setting.name)=\(value)", source: source)
        }
        let width = lines.map { $0.assignment.count }.max() ?? 0
        return lines.map { line in
            line.assignment + String(repeating: " ", count: width - line.assignment.count) + "  # \(line.source)\n"
        }.joined()
    }

    /// The Markdown reference table the README embeds. "Since" is the release a setting arrived
    /// in: an older djinit refuses it.
    public static func markdownTable(schema: [SettingDescriptor] = Schema.all) -> String {
        var out = "| Variable | Default | Type | Used by | Since | Description |\n|---|---|---|---|---|---|\n"
        for setting in schema {
            let usedBy = setting.usedBy.isEmpty ? "all" : setting.usedBy.map { "`\($0.rawValue)`" }.joined(separator: ", ")
            let defaultText = setting.defaultText.isEmpty ? "(unset)" : "`\(setting.defaultText)`"
            let summary = setting.summary + (setting.isSecret ? " Secret: never printed." : "")
            out += "| `\(setting.name)` | \(defaultText) | \(setting.typeSummary) | \(usedBy) | \(setting.since) | \(summary) |\n"
        }
        return out
    }
}
