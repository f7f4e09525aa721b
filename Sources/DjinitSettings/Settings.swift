import DjinitText

/// One problem with the environment: which variable, and what is wrong with it.
public struct SettingProblem: Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let message: String

    /// `DJINIT_KILL_GRACE: expected a duration like 10s or 1500ms, of at most 8760h, got 'abc'`
    public var description: String { "\(variable): \(message)" }
}

/// Every problem found in the environment, reported together so that one fix-and-retry suffices.
public struct SettingsError: Error, Equatable, CustomStringConvertible {
    public let problems: [SettingProblem]
    public var description: String { problems.map { $0.description }.joined(separator: "\n") }
}

/// Where an effective value came from.
public enum SettingSource: Sendable, Equatable {
    case environment, `default`
}

/// The effective settings: each schema setting parsed from the environment, or its default.
public struct Settings: Sendable {
    /// The schema settings that are set, with their values as given (all known to parse).
    @usableFromInline let given: Environment

    /// Parses djinit's settings from `environment`.
    ///
    /// Only the settings that are set are looked up and parsed (one declaration each), and the
    /// unknown-name check needs only `SettingName`: with an empty environment, as in an exec
    /// probe's container without `DJINIT_*` variables, no declaration is built at all.
    ///
    /// - Throws: `SettingsError` listing each variable whose value does not parse, and each
    ///   `DJINIT_*` variable the schema does not know (with the nearest known name).
    public init(environment: Environment) throws(SettingsError) {
        try self.init(environment: environment, names: SettingName.allCases.map { $0.rawValue }) { name in
            SettingName(rawValue: name).map(Schema.descriptor(of:))
        }
    }

    /// Parses the settings of `schema` from `environment`: djinit-kube's settings in use, and tests'
    /// own settings.
    public init(environment: Environment, schema: [SettingDescriptor]) throws(SettingsError) {
        try self.init(environment: environment, names: schema.map { $0.name }) { name in
            schema.first { $0.name == name }
        }
    }

    /// `names`: every setting's, in the reference table's order; `lookUp`: a name's setting.
    private init(environment: Environment, names: [String], lookUp: (String) -> SettingDescriptor?) throws(SettingsError) {
        var given: [(name: String, value: String)] = []
        var problems: [SettingProblem] = []
        var unknown: [String] = []
        // One pass over the environment, most of which is not djinit's: an entry is looked up in
        // the schema only if it has djinit's prefix or is one of the few ecosystem names.
        let ecosystemNames = names.filter { !$0.hasPrefix(Schema.ownPrefix) }
        for entry in environment.entries where !given.contains(where: { $0.name == entry.name }) {
            let own = entry.name.hasPrefix(Schema.ownPrefix)
            guard own || ecosystemNames.contains(entry.name) else { continue }
            guard let setting = lookUp(entry.name) else {
                if !unknown.contains(entry.name) { unknown.append(entry.name) }
                continue
            }
            do {
                _ = try setting.normalize(entry.value)
                given.append((setting.name, entry.value))
            } catch {
                let got = setting.isSecret ? "a value that does not fit (not shown: the setting is secret)" : Escaping.quotedValue(entry.value)
                problems.append(SettingProblem(variable: setting.name, message: "expected \(error.expected), got \(got)"))
            }
        }
        problems.sort { a, b in
            (names.firstIndex(of: a.variable) ?? 0) < (names.firstIndex(of: b.variable) ?? 0)
        }
        for name in unknown.sorted() {
            var message = "not a djinit setting"
            if let nearest = Settings.nearestName(to: name, among: names) {
                message += "; did you mean \(nearest)?"
            }
            problems.append(SettingProblem(variable: name, message: message))
        }
        guard problems.isEmpty else { throw SettingsError(problems: problems) }
        self.given = Environment(given)
    }

    /// The effective value of `setting`.
    ///
    /// Inlinable so that each read is specialized where it is made: an unspecialized generic call
    /// would build `Setting<Value>`'s metadata at run time, and for a value type like
    /// `AbsolutePath?` that means a scan of every protocol conformance in the binary, on every
    /// start (see `Environment`).
    @inlinable
    public subscript<Value>(_ setting: Setting<Value>) -> Value {
        guard let text = given[setting.name] else { return setting.defaultValue }
        do {
            return try Value.parse(text)
        } catch {
            preconditionFailure("\(setting.name) was validated as a \(setting.descriptor.typeSummary)")
        }
    }

    /// Whether `name` was set in the environment or is at its default.
    public func source(of name: String) -> SettingSource { given[name] == nil ? .default : .environment }

    /// The effective value of `setting` as text.
    public func text(of setting: SettingDescriptor) -> String {
        guard let text = given[setting.name], let normalized = try? setting.normalize(text) else {
            return setting.defaultText
        }
        return normalized
    }

    /// The effective value of a secret `setting` as `djinit config` may show it.
    public func redactedText(of setting: SettingDescriptor) -> String {
        setting.redacted(given[setting.name])
    }

    /// The known name closest to a misspelt one, if it is close enough to be a likely typo.
    static func nearestName(to name: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(Array(name), Array($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 4) else { return nil }
        return best.0
    }

    /// Levenshtein distance, for the "did you mean" hint.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}
