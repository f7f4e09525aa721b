import DjinitKubeModel
import DjinitSettings
import Testing

/// platform.yaml's djinitVersion: the manifests set only the settings the oldest djinit of the
/// images knows. No setting has arrived after the first release yet, so each test makes one
/// arrive later, through the settings in use.
@Suite struct CompatibilityTests {
    static let later = Release(Release.first.major, Release.first.minor + 1, 0)

    /// The settings in use, with `setting` arriving in `later`.
    static func settings<Value>(_ keyPath: WritableKeyPath<DjinitSettingsInUse, Setting<Value>>) -> RenderOptions {
        var settings = DjinitSettingsInUse()
        let old = settings[keyPath: keyPath]
        let arriving = Setting(old.name, default: old.defaultValue, usedBy: old.usedBy, secret: old.isSecret, since: later, old.summary)
        settings[keyPath: keyPath] = arriving
        settings.all = settings.all.map { $0.name == old.name ? arriving.descriptor : $0 }
        return RenderOptions(settings: settings)
    }

    static func refusals(app: String, platform: String = testPlatform, options: RenderOptions) -> [String] {
        do {
            _ = try render(app: app, platform: platform, options: options)
            return []
        } catch let error as InputError {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test("a setting newer than the images' djinit is never written: app.yaml may not set it, and a pinned one is left out")
    func newerSettingNotWritten() throws {
        let options = Self.settings(\.grace)
        let app = "name: shop\nimage: shop:1.0\n"
        let config = try #require(render(app: app, options: options).object("ConfigMap", "shop-config")?["data"])
        #expect(config[Schema.grace.name] == nil)
        #expect(config[Schema.drainDelay.name] != nil)

        #expect(Self.refusals(app: app + "config:\n  DJINIT_GRACE: \"40s\"\n", options: options) == [
            "app.yaml:4:17: config.DJINIT_GRACE: arrived in djinit \(Self.later), and the platform's images may carry djinit "
                + "\(Release.first) (platform.yaml's djinitVersion), which would refuse it and not start",
        ])

        let raised = testPlatform + "djinitVersion: \(Self.later)\n"
        let manifests = try render(app: app + "config:\n  DJINIT_GRACE: \"40s\"\n", platform: raised, options: options)
        #expect(manifests.object("ConfigMap", "shop-config")?["data"]?[Schema.grace.name]?.text == "40s")
    }

    @Test("a platform feature that needs a newer setting is refused at djinitVersion")
    func featureNeedsNewerSetting() {
        let options = Self.settings(\.secretsDir)
        let platform = testPlatform + "djinitVersion: \(Release.first)\n"
        let line = platform.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(Self.refusals(app: "name: shop\nimage: shop:1.0\nsecrets:\n  API_KEY: AgB=\n", platform: platform, options: options) == [
            "platform.yaml:\(line):16: djinitVersion: the platform's setup needs DJINIT_SECRETS_DIR, which arrived in djinit "
                + "\(Self.later): raise djinitVersion once every image (and every image a rollback may return to) carries it",
        ])
        #expect(Self.refusals(app: "name: shop\nimage: shop:1.0\n", platform: platform, options: options).isEmpty)
    }

    @Test("djinitVersion names a release this djinit-kube writes manifests for", arguments: [
        (Release.oldestSupported.description, true), (Release.current.description, true),
        ("0.0.9", false), ("\(Release.current.major + 1).0.0", false), ("0.1", false), ("v0.1.0", false),
        ("99999999999999999999.0.0", false),
    ])
    func versions(_ text: String, valid: Bool) {
        let found = problems(app: "name: shop\nimage: shop:1.0\n", platform: testPlatform + "djinitVersion: \"\(text)\"\n")
        #expect(found.isEmpty == valid, "\(found)")
        if !valid {
            #expect(found.first?.contains("djinitVersion: expected a djinit release from \(Release.oldestSupported) to \(Release.current)") == true)
        }
    }
}
