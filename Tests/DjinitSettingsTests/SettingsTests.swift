@testable import DjinitSettings
import Testing

@Suite struct SettingsTests {
    @Test func defaultsApplyWhenUnset() throws {
        let settings = try Settings(environment: [:])
        #expect(settings[Schema.killGrace] == .seconds(10))
        #expect(settings[Schema.signalTarget] == .child)
        #expect(settings.source(of: Schema.killGrace.name) == .default)
    }

    @Test func environmentOverridesDefaults() throws {
        let settings = try Settings(environment: ["DJINIT_KILL_GRACE": "1500ms", "DJINIT_SIGNAL_TARGET": "group"])
        #expect(settings[Schema.killGrace] == .milliseconds(1500))
        #expect(settings[Schema.signalTarget] == .group)
        #expect(settings.source(of: "DJINIT_KILL_GRACE") == .environment)
    }

    @Test func badValuesAreAllReportedByName() {
        #expect(throws: SettingsError(problems: [
            SettingProblem(variable: "DJINIT_LOG_LEVEL", message: "expected one of debug|info|warn|error, got 'loud'"),
            SettingProblem(variable: "DJINIT_KILL_GRACE", message: "expected a duration like 10s or 1500ms, of at most 8760h, got 'abc'"),
        ])) {
            try Settings(environment: ["DJINIT_KILL_GRACE": "abc", "DJINIT_LOG_LEVEL": "loud"])
        }
    }

    @Test func unknownOwnVariablesAreErrorsWithASuggestion() {
        #expect(throws: SettingsError(problems: [
            SettingProblem(variable: "DJINIT_KILL_GRCE", message: "not a djinit setting; did you mean DJINIT_KILL_GRACE?"),
            SettingProblem(variable: "DJINIT_ZZZZZZZZZZZZZZZZZZ", message: "not a djinit setting"),
        ])) {
            try Settings(environment: ["DJINIT_KILL_GRCE": "1s", "DJINIT_ZZZZZZZZZZZZZZZZZZ": "1", "OTHER": "x"])
        }
    }

    @Test func secretValuesAreNeverEchoed() {
        let secret = Setting<Duration>("DJINIT_SECRET_THING", default: .zero, secret: true, "A secret.")
        do {
            _ = try Settings(environment: ["DJINIT_SECRET_THING": "hunter2"], schema: [secret.descriptor])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("DJINIT_SECRET_THING"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func effectiveReportRedactsSecretsAndNamesSources() throws {
        let secret = Setting<Duration>("DJINIT_SECRET_THING", default: .zero, secret: true, "A secret.")
        let schema = [Schema.killGrace.descriptor, secret.descriptor]
        let settings = try Settings(environment: ["DJINIT_SECRET_THING": "5s"], schema: schema)
        let report = SettingsReport.effective(settings, schema: schema)
        #expect(report.contains("DJINIT_KILL_GRACE=10s"))
        #expect(report.contains("# default"))
        #expect(report.contains("DJINIT_SECRET_THING=(redacted)"))
        #expect(report.contains("# from the environment"))
        #expect(!report.contains("5s"))
    }

    @Test func everySettingIsInTheReferenceTable() {
        let table = SettingsReport.markdownTable()
        for setting in Schema.all {
            let defaultText = setting.defaultText.isEmpty ? "(unset)" : "`\(setting.defaultText)`"
            #expect(table.contains("| `\(setting.name)` | \(defaultText) |"))
        }
        // A `|` inside a cell would split it.
        #expect(table.split(separator: "\n").allSatisfy { $0.filter { $0 == "|" }.count == 7 })
    }

    @Test("each name's declaration carries that name, in the name table's order")
    func nameTableMatchesTheDeclarations() {
        for name in SettingName.allCases {
            #expect(Schema.descriptor(of: name).name == name.rawValue)
        }
        #expect(Schema.all.map(\.name) == SettingName.allCases.map(\.rawValue))
    }

    @Test("an ecosystem name and a misspelt one are found through the name table alone")
    func lookupByName() throws {
        let settings = try Settings(environment: ["DATABASE_URL": "postgres://db/app", "DJANGO_SETTINGS_MODULE": "shop.settings"])
        #expect(settings.source(of: "DATABASE_URL") == .environment)
        #expect(settings[Schema.djangoSettingsModule] == "shop.settings")
        #expect(settings.source(of: "CELERY_BROKER_URL") == .default)
        #expect(throws: SettingsError(problems: [
            SettingProblem(variable: "DJINIT_CELERY_AP", message: "not a djinit setting; did you mean DJINIT_CELERY_APP?"),
        ])) {
            try Settings(environment: ["DJINIT_CELERY_AP": "shop"])
        }
    }

    @Test func schemaNamesAreUniqueAndOnlyTheEcosystemsAreUnprefixed() {
        let names = Schema.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.filter { !$0.hasPrefix(Schema.ownPrefix) }.sorted() == ["CELERY_BROKER_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"])
    }

    @Test func databaseURLsArePrintedWithoutTheirPassword() throws {
        let settings = try Settings(environment: ["DATABASE_URL": "postgres://app:s3cr%40t@db:5432/app?sslmode=require&password=x"])
        let report = SettingsReport.effective(settings)
        #expect(report.contains("DATABASE_URL=postgres://app:***@db:5432/app?sslmode=require"))
        #expect(!report.contains("s3cr") && !report.contains("=x"))
        #expect(settings[Schema.databaseURL]?.text == "postgres://app:s3cr%40t@db:5432/app?sslmode=require&password=x")
    }

    @Test("a line break in a value cannot add a line to djinit config's output (found by FuzzSettings)")
    func reportIsOneLinePerSetting() throws {
        let settings = try Settings(environment: ["DJINIT_HTTP_APP": "app:x\nDATABASE_URL=postgres://forged"])
        let report = SettingsReport.effective(settings)
        #expect(report.split(separator: "\n").count == Schema.all.count)
        #expect(report.contains(#"DJINIT_HTTP_APP=app:x\nDATABASE_URL=postgres://forged"#))
    }

    /// Redacted from libpq's own reading of the URL: whatever the password holds, none of it shows.
    @Test("database URLs are shown as libpq reads them, every password as ***", arguments: [
        ("postgresql://u:p@h/db", "postgres://u:***@h/db"),
        ("postgres://u@h:5432/db", "postgres://u@h:5432/db"),
        ("postgres://h/db?password=p&sslmode=disable", "postgres://:***@h/db?sslmode=disable"),
        ("postgres://u:p@h", "postgres://u:***@h"),
        ("postgres://u:ab?cd=e@h/db", "postgres://u:***@h/db"),
        ("postgres://u:p#w[x@h/db", "postgres://u:***@h/db"),
        ("postgres://u:p@h1:1,h2:2/db?sslpassword=k&application_name=a%20b", "postgres://u:***@h1:1,h2:2/db?application_name=a%20b&sslpassword=***"),
        ("postgres://u:p@[::1]:5432/db", "postgres://u:***@[::1]:5432/db"),
        ("postgres://u:p@%2Frun%2Fpg/db", "postgres://u:***@%2Frun%2Fpg/db"),
    ])
    func redactsPasswords(url: String, redacted: String) throws {
        #expect(try DatabaseURL(url).redactedText == redacted)
    }

    /// What libpq cannot read, or would read otherwise than meant: a bad setting, never shown.
    @Test("URLs libpq cannot read as written are bad settings", arguments: [
        "mysql://u:p@h/db", "postgres://", "db.example.com", "postgres://u:p@h/d b", "postgres://u:ab/cd@h/db",
        "postgres://u:123/hunter2@h/db", "postgres://u:p%zz@h/db", "postgres://u:p@[::1/db", "postgres://u:p@ss@h/db",
        "postgres://u:p@h:abc/db", "postgres://u:p@h:70000/db", "postgres://u:p@h/db?foo=bar", "postgres://u:a/b?c@h/db",
    ])
    func rejectsWhatLibpqCannotRead(text: String) {
        #expect(throws: SettingValueError.self) { try DatabaseURL(text) }
        do {
            _ = try Settings(environment: ["DATABASE_URL": text])
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.problems.map(\.variable) == ["DATABASE_URL"])
            #expect((text == "postgres://" || !error.description.contains(text)) && !error.description.contains("hunter2") && !error.description.contains("cd@"))
        }
    }

    @Test(arguments: [("DJINIT_KILL_GRACE", "DJINIT_KILL_GRACE", 0), ("abc", "abd", 1), ("", "ab", 2), ("ab", "", 2)])
    func editDistance(a: String, b: String, distance: Int) {
        #expect(Settings.editDistance(Array(a), Array(b)) == distance)
    }
}
