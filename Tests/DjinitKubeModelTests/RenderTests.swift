@testable import DjinitKubeModel
import DjinitSettings
import Testing
import Yams

/// Renders `app` against `platform` (both valid) into its objects.
func render(app: String, platform: String = testPlatform, options: RenderOptions = RenderOptions()) throws -> Manifests {
    let plan = try Plan(app: AppSpec(yaml: app, file: "app.yaml"), platform: PlatformSpec(yaml: platform, file: "platform.yaml"),
                        options: options)
    return Manifests(plan)
}

extension Manifests {
    func object(_ kind: String, _ name: String) -> Tree? {
        objects.first { $0.kind == kind && $0.name == name }?.tree
    }

    func kinds() -> [String] { objects.map(\.kind) }
}

extension Tree {
    /// Follows a path of keys and list indexes.
    func at(_ path: Any...) -> Tree? {
        var current: Tree? = self
        for step in path {
            switch (current, step) {
            case (.map, let key as String): current = current?[key]
            case (.list(let items), let index as Int): current = items.indices.contains(index) ? items[index] : nil
            default: return nil
            }
        }
        return current
    }

    var int: Int? {
        guard case .int(let number) = self else { return nil }
        return number
    }

}

/// What is rendered, and that it follows djinit's schema rather than retyped values.
@Suite struct RenderTests {
    static let minimal = "name: shop\nimage: shop:1.0\n"

    @Test("probes use djinit's probe port and endpoint paths; the grace period covers DJINIT_GRACE")
    func probesFollowSchema() throws {
        let web = try #require(render(app: Self.minimal).object("Deployment", "shop-web"))
        let container = try #require(web.at("spec", "template", "spec", "containers", 0))
        #expect(container.at("startupProbe", "httpGet", "path")?.text == ProbeEndpoint.startup.rawValue)
        #expect(container.at("readinessProbe", "httpGet", "path")?.text == ProbeEndpoint.ready.rawValue)
        #expect(container.at("livenessProbe", "httpGet", "path")?.text == ProbeEndpoint.live.rawValue)
        let probePort = container.at("ports")?.items.first { $0["name"]?.text == "probe" }
        #expect(probePort?["containerPort"]?.int == Int(Schema.probePort.defaultValue.number))
        let grace = Int(Schema.grace.defaultValue.wholeMilliseconds / 1000)
        #expect(web.at("spec", "template", "spec", "terminationGracePeriodSeconds")?.int == grace + Plan.terminationMarginSeconds)
        #expect(container.at("args") == ["/run"])
    }

    @Test("a changed default in djinit's schema changes the manifests")
    func followsChangedDefaults() throws {
        var settings = DjinitSettingsInUse()
        settings.probePort = Setting(Schema.probePort.name, default: Port(9191), "changed for the test")
        settings.grace = Setting(Schema.grace.name, default: .seconds(61), "changed for the test")
        settings.httpPort = Setting(Schema.httpPort.name, default: Port(8800), "changed for the test")
        let manifests = try render(app: "name: shop\nimage: shop:1.0\nhosts: [shop.example.com]\n",
                                   options: RenderOptions(settings: settings))
        let web = try #require(manifests.object("Deployment", "shop-web"))
        let ports = web.at("spec", "template", "spec", "containers", 0, "ports")?.items ?? []
        #expect(ports.map { $0["containerPort"]?.int } == [8800, 9191])
        #expect(web.at("spec", "template", "spec", "terminationGracePeriodSeconds")?.int == 61 + Plan.terminationMarginSeconds)
        let config = try #require(manifests.object("ConfigMap", "shop-config")?["data"])
        #expect(config[Schema.probePort.name]?.text == "9191")
        #expect(config[Schema.grace.name]?.text == "1m1s")
        let policy = manifests.object("NetworkPolicy", "shop-web-from-ingress")
        #expect(policy?.at("spec", "ingress", 0, "ports", 0, "port")?.int == 8800)
    }

    @Test("every DJINIT_ key of the ConfigMap is a djinit setting")
    func configMapNamesAreSettings() throws {
        for golden in GoldenCase.allCases {
            let configMap = try golden.render().objects.first { $0.kind == "ConfigMap" && $0.name.hasSuffix("-config") }
            guard case .map(let data) = configMap?.tree["data"] else {
                Issue.record("no ConfigMap in \(golden)")
                continue
            }
            for entry in data where entry.key.hasPrefix(Schema.ownPrefix) {
                #expect(Schema.all.contains { $0.name == entry.key }, "\(entry.key) in \(golden)")
            }
            let environment = Environment(data.map { (name: $0.key, value: $0.value.text ?? "") })
            #expect(throws: Never.self) { try Settings(environment: environment) }
        }
    }

    @Test("secrets reach the pods as a mounted volume, never as env entries")
    func secretsAsFiles() throws {
        let manifests = try GoldenCase.full.render()
        for object in manifests.objects {
            #expect(!object.tree.yaml.contains("secretKeyRef"), "\(object.fileName)")
        }
        let web = try #require(manifests.object("Deployment", "shop-web"))
        let mounts = web.at("spec", "template", "spec", "containers", 0, "volumeMounts")?.items ?? []
        #expect(mounts.contains { $0["mountPath"]?.text == Plan.secretsMountPath && $0["readOnly"] == true })
        let config = manifests.object("ConfigMap", "shop-config")?["data"]
        #expect(config?[Schema.secretsDir.name]?.text == Plan.secretsMountPath)
    }

    @Test("with an autoscaler the Deployment has no replicas; a PDB exists only from two pods on")
    func replicasAndBudgets() throws {
        let scaled = try render(app: Self.minimal + "web:\n  autoscaling: {minReplicas: 2, maxReplicas: 3}\n")
        #expect(scaled.object("Deployment", "shop-web")?.at("spec", "replicas") == nil)
        #expect(scaled.object("HorizontalPodAutoscaler", "shop-web")?.at("spec", "behavior") != nil)
        #expect(scaled.object("PodDisruptionBudget", "shop-web")?.at("spec", "maxUnavailable")?.int == 1)

        let single = try render(app: Self.minimal)
        #expect(single.object("Deployment", "shop-web")?.at("spec", "replicas")?.int == 1)
        #expect(!single.kinds().contains("PodDisruptionBudget"))
        #expect(!single.kinds().contains("HorizontalPodAutoscaler"))
    }

    @Test("a ReadWriteOnce volume makes the web one pod replaced with Recreate, mounted by the web only")
    func readWriteOnceShape() throws {
        let manifests = try render(app: Self.minimal + "worker: {replicas: 2}\nvolume: {size: 1Gi, mountPath: /app/media}\n")
        let web = try #require(manifests.object("Deployment", "shop-web"))
        #expect(web.at("spec", "strategy", "type")?.text == "Recreate")
        #expect(web.at("spec", "template", "spec", "topologySpreadConstraints") == nil)
        let worker = try #require(manifests.object("Deployment", "shop-worker"))
        #expect(!worker.yaml.contains("claimName"))
        #expect(web.yaml.contains("claimName: shop-data"))
    }

    @Test("the init step is an init container by default, a Sync hook Job with ArgoCD and initStep: job")
    func initStep() throws {
        let inline = try render(app: Self.minimal)
        #expect(inline.object("Deployment", "shop-web")?.at("spec", "template", "spec", "initContainers", 0, "args") == ["/init"])
        #expect(!inline.kinds().contains("Job"))

        let hooked = try GoldenCase.full.render()
        let job = try #require(hooked.object("Job", "shop-init"))
        #expect(job.at("metadata", "annotations", "argocd.argoproj.io/hook")?.text == "Sync")
        #expect(job.at("metadata", "annotations", "argocd.argoproj.io/hook-delete-policy")?.text == "BeforeHookCreation")
        #expect(job.at("metadata", "annotations", "argocd.argoproj.io/sync-wave")?.text == "0")
        #expect(hooked.object("ConfigMap", "shop-config")?.at("metadata", "annotations", "argocd.argoproj.io/sync-wave")?.text == "-1")
        #expect(hooked.object("Deployment", "shop-web")?.at("metadata", "annotations", "argocd.argoproj.io/sync-wave")?.text == "1")
        #expect(hooked.object("Deployment", "shop-web")?.at("spec", "template", "spec", "initContainers") == nil)
    }

    @Test("a change of configuration or secrets changes the pod template's hash")
    func configurationHash() throws {
        func hash(_ app: String) throws -> String? {
            try render(app: app).object("Deployment", "shop-web")?
                .at("spec", "template", "metadata", "annotations", "djinit.io/configuration-hash")?.text
        }
        let base = try hash(Self.minimal + "config: {A: \"1\"}\nsecrets: {B: AgA=}\n")
        #expect(try hash(Self.minimal + "config: {A: \"2\"}\nsecrets: {B: AgA=}\n") != base)
        #expect(try hash(Self.minimal + "config: {A: \"1\"}\nsecrets: {B: AgB=}\n") != base)
        #expect(try hash(Self.minimal + "config: {A: \"1\"}\nsecrets: {B: AgA=}\n") == base)
    }

    @Test("cron jobs run manage.py through djinit exec, never two at once")
    func cronJobs() throws {
        let cron = try #require(GoldenCase.full.render().object("CronJob", "shop-clearsessions"))
        #expect(cron.at("spec", "concurrencyPolicy")?.text == "Forbid")
        #expect(cron.at("spec", "jobTemplate", "spec", "activeDeadlineSeconds")?.int == 600)
        #expect(cron.at("spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "args")
            == ["exec", "--", .string(Schema.python.defaultValue), .string(Schema.managePy.defaultValue), "clearsessions"])
    }

    @Test("with a pooler, DATABASE_URL goes through PgBouncer and migrations go to PostgreSQL directly")
    func pooler() throws {
        let manifests = try GoldenCase.full.render()
        let config = try #require(manifests.object("ConfigMap", "shop-config")?["data"])
        #expect(config[Schema.databaseURL.name]?.text == "postgres://shop@shop-pgbouncer:6432/shop")
        #expect(config[Schema.migrateDatabaseURL.name]?.text?.contains("@shop-db-rw.databases.svc.cluster.local:5432/") == true)
        #expect(manifests.object("ConfigMap", "shop-pgbouncer")?.yaml.contains("pool_mode = transaction") == true)
        #expect(manifests.object("Service", "shop-pgbouncer") != nil)
    }

    @Test("the example files of djinit-kube init render")
    func examples() throws {
        let plan = try Plan(app: AppSpec(yaml: Examples.app, file: "app.yaml"),
                            platform: PlatformSpec(yaml: Examples.platform, file: "platform.yaml"))
        #expect(Manifests(plan).objects.count > 20)
    }

    @Test("the JSON Schema lists every key app.yaml accepts and rejects others")
    func jsonSchema() throws {
        let schema = AppSpec.shape.jsonSchema(title: "app")
        #expect(schema["additionalProperties"] == false)
        guard case .map(let properties) = schema["properties"] else { throw SchemaError() }
        #expect(properties.map(\.key) == ["name", "image", "hosts", "ingress", "imagePullSecret", "secrets", "config",
                                          "web", "worker", "beat", "cronJobs", "volume"])
    }

    struct SchemaError: Error {}
}

/// The YAML and JSON writers, quantities, image references and the hash.
@Suite struct BuildingBlockTests {
    @Test("YAML output reads back as the same tree, with ambiguous strings kept strings")
    func yamlRoundTrip() throws {
        let tree: Tree = [
            "plain": "shop-web", "number": "8081", "word": "yes", "null": "null", "empty": "", "colon": "a: b",
            "path": "/run", "sexagesimal": "1:30", "list": ["a", 1, true], "nested": ["k": [["x": "y"]]],
            "block": "line one\nline two\n", "blockNoNewline": "a\nb", "emptyMap": [:], "emptyList": [],
            "quote": "say \"hi\"", "cron": "17 3 * * *", "octal": "0440",
        ]
        let node = try #require(try Yams.compose(yaml: tree.yaml))
        for entry in try #require(node.mapping) {
            let key = entry.key.string ?? ""
            switch tree[key] {
            case .string(let text): #expect(entry.value.string == text && entry.value.tag.rawValue == "tag:yaml.org,2002:str", "\(key)")
            case .int(let number): #expect(entry.value.int == number)
            default: break
            }
        }
        #expect(node["list"]?.sequence?.count == 3)
        #expect(node["nested"]?["k"]?[0]?["x"]?.string == "y")
    }

    @Test("quantities compare by amount", arguments: [
        ("500m", "1", QuantityKind.cpu, true), ("1.5", "1500m", .cpu, false), ("512Mi", "1Gi", .bytes, true),
        ("1G", "1Gi", .bytes, true), ("2Gi", "2048Mi", .bytes, false),
    ])
    func quantities(_ small: String, _ large: String, _ kind: QuantityKind, _ smaller: Bool) throws {
        let a = try #require(Quantity(small, kind: kind))
        let b = try #require(Quantity(large, kind: kind))
        #expect((a < b) == smaller)
    }

    @Test("what is not a quantity", arguments: ["", "m", "1.5m", "10Mi", "1..2", "-1"])
    func notCPU(_ text: String) {
        #expect(Quantity(text, kind: .cpu) == nil)
    }

    @Test("image references", arguments: [
        ("ghcr.io/acme/shop:1.4.2", true), ("localhost:5000/shop:1", true), ("shop@sha256:" + String(repeating: "a", count: 64), true),
        ("shop:latest@sha256:" + String(repeating: "0", count: 64), true), ("shop", false), ("shop:latest", false),
        ("localhost:5000/shop", false), ("shop:1.0 ", false),
    ])
    func images(_ text: String, _ valid: Bool) {
        #expect((ImageReference(text) != nil) == valid)
    }

    @Test("SHA-256 matches the FIPS test vectors")
    func sha256() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(String(repeating: "a", count: 1000)).hasPrefix("41edece42d63e8d9bf515a9ba6932e1c"))
    }
}
