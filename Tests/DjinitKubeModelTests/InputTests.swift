import DjinitKubeModel
import Foundation
import Testing

/// A platform.yaml with every bound the checks below run into; the end-to-end tests use it too.
let testPlatform = try! String(
    contentsOf: GoldenCase.root.appendingPathComponent("bounded-platform.yaml"), encoding: .utf8)

/// The messages rendering `app` against `platform` fails with; empty if it succeeds.
func problems(app: String, platform: String = testPlatform) -> [String] {
    do {
        let appSpec = try AppSpec(yaml: app, file: "app.yaml")
        let platformSpec = try PlatformSpec(yaml: platform, file: "platform.yaml")
        _ = try Plan(app: appSpec, platform: platformSpec)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

/// Strict reading of app.yaml and platform.yaml, and the cross-file rules: every problem names
/// file, line, column and key.
@Suite struct InputTests {
    @Test("an unknown key is an error listing the allowed keys")
    func unknownKey() {
        #expect(problems(app: "name: shop\nimage: shop:1.0\nweb:\n  replica: 2\n") == [
            "app.yaml:4:3: web.replica: unknown key; allowed here: replicas, autoscaling, resources",
        ])
    }

    @Test("a wrong type is an error saying what was expected and what was found")
    func wrongType() {
        #expect(problems(app: "name: shop\nimage: shop:1.0\nconfig:\n  DEBUG: true\n  WORKERS: 4\n") == [
            "app.yaml:4:10: config.DEBUG: expected text, got the boolean 'true' (quote it to make it text)",
            "app.yaml:5:12: config.WORKERS: expected text, got the integer '4' (quote it to make it text)",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nhosts: shop.example.com\n") == [
            "app.yaml:3:8: hosts: expected a list of 1 to 16 items (each a host name like shop.example.com, not an IP address), got the text 'shop.example.com'",
        ])
    }

    @Test("a missing required key is an error naming it")
    func missingKey() {
        #expect(problems(app: "name: shop\n") == [
            "app.yaml:1:1: image: missing required key 'image': The container image, pinned by tag or, better, by digest (image@sha256:...).",
        ])
    }

    @Test("every problem of a file is reported at once")
    func allProblems() {
        #expect(problems(app: "name: Shop\nimage: shop\nweb: {replicas: 0}\n").count == 3)
    }

    @Test("a customer replica count above the platform's maximum is an error, not clamped")
    func replicasAboveMaximum() {
        #expect(problems(app: "name: shop\nimage: shop:1.0\nworker:\n  replicas: 4\n") == [
            "app.yaml:4:13: worker.replicas: 4 is above the platform's maximum of 3 (platform.yaml:2:14)",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nweb:\n  autoscaling: {minReplicas: 2, maxReplicas: 9}\n") == [
            "app.yaml:4:46: web.autoscaling.maxReplicas: 9 is above the platform's maximum of 3 (platform.yaml:2:14)",
        ])
    }

    @Test("resources and volume sizes beyond the platform's bounds are errors")
    func resourcesAboveMaximum() {
        let app = """
            name: shop
            image: shop:1.0
            web:
              resources:
                limits: {cpu: 1500m, memory: 2Gi}
            volume: {size: 20Gi, mountPath: /app/media}

            """
        #expect(problems(app: app) == [
            "app.yaml:5:19: web.resources.limits.cpu: 1500m is above the platform's per-container maximum of 1 (platform.yaml:7:14)",
            "app.yaml:5:34: web.resources.limits.memory: 2Gi is above the platform's per-container maximum of 1Gi (platform.yaml:7:27)",
            "app.yaml:6:16: volume.size: 20Gi is above the platform's maximum volume size of 10Gi (platform.yaml:11:12)",
        ])
    }

    @Test("pod security fields in app.yaml are refused with the reason", arguments: ["hostPath", "privileged", "securityContext"])
    func podSecurityKeys(_ key: String) {
        let found = problems(app: "name: shop\nimage: shop:1.0\nweb:\n  \(key): x\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("app.yaml:4:3: web.\(key): not allowed: djinit-kube sets pod security") == true)
    }

    @Test("an image without a version, or with latest, is refused", arguments: ["shop", "shop:latest", "Shop:1.0", "shop@sha256:abc"])
    func unpinnedImage(_ image: String) {
        #expect(problems(app: "name: shop\nimage: \(image)\n").first?.hasPrefix("app.yaml:2:8: image: expected an image with a version tag or digest") == true)
    }

    @Test("a ReadWriteOnce volume allows neither two replicas nor autoscaling")
    func readWriteOnce() {
        let volume = "volume: {size: 1Gi, mountPath: /app/media}\n"
        #expect(problems(app: "name: shop\nimage: shop:1.0\nweb:\n  replicas: 2\n" + volume) == [
            "app.yaml:4:13: web.replicas: 2 replicas, but the platform's volumes are ReadWriteOnce (platform.yaml:10:15): "
                + "one attaches to a single node, so the web runs as exactly one pod; use 1, drop the volume, or ask the hoster for ReadWriteMany",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nweb:\n  autoscaling: {minReplicas: 1, maxReplicas: 2}\n" + volume).count == 1)
        #expect(problems(app: "name: shop\nimage: shop:1.0\nweb:\n  replicas: 1\n" + volume).isEmpty)
    }

    @Test("snippet annotations are never allowed, others only when the platform allows them")
    func annotations() {
        let app = """
            name: shop
            image: shop:1.0
            hosts: [shop.example.com]
            ingress:
              annotations:
                nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers x;"
                nginx.ingress.kubernetes.io/rewrite-target: /
                nginx.ingress.kubernetes.io/proxy-body-size: 20m

            """
        #expect(problems(app: app) == [
            "app.yaml:6:56: ingress.annotations.nginx.ingress.kubernetes.io/configuration-snippet: snippet annotations inject raw controller configuration and are never allowed",
            "app.yaml:7:49: ingress.annotations.nginx.ingress.kubernetes.io/rewrite-target: annotation not allowed by the platform; allowed: nginx.ingress.kubernetes.io/proxy-body-size",
        ])
    }

    @Test("a Gateway is the one way in instead of an Ingress: annotations are refused, and both at once is an error")
    func gateway() {
        let gateway = """
            gateway:
              name: public
              namespace: gateway-system
              listener: https
              proxies: {namespace: gateway-system, podSelector: {gateway.networking.k8s.io/gateway-name: public}}

            """
        let withoutIngress = testPlatform.components(separatedBy: "ingress:\n").first!
        let app = "name: shop\nimage: shop:1.0\nhosts: [shop.example.com]\n"
        #expect(problems(app: app, platform: withoutIngress + gateway).isEmpty)
        #expect(problems(app: app + "ingress:\n  annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 20m}\n",
                         platform: withoutIngress + gateway) == [
            "app.yaml:5:62: ingress.annotations.nginx.ingress.kubernetes.io/proxy-body-size: the platform routes through a Gateway, "
                + "and an HTTPRoute takes no Ingress annotations",
        ])
        let both = problems(app: app, platform: testPlatform + gateway)
        #expect(both.count == 1 && both[0].hasSuffix(": gateway: choose one way in: ingress or gateway, not both"), "\(both)")
        #expect(problems(app: app, platform: withoutIngress) == [
            "app.yaml:3:9: hosts[0]: the platform does not expose apps (platform.yaml has neither an ingress nor a gateway section)",
        ])
        let seventeen = (0...16).map { "h\($0).example.com" }.joined(separator: ", ")
        #expect(problems(app: "name: shop\nimage: shop:1.0\nhosts: [\(seventeen)]\n") == [
            "app.yaml:3:8: hosts: expected 1 to 16 items, got 17",
        ])
    }

    @Test("djinit settings in config are checked as djinit checks them")
    func djinitSettings() {
        let app = """
            name: shop
            image: shop:1.0
            config:
              DJINIT_KILL_GRACE: "ten seconds"
              DJINIT_PROBE_PROT: "9000"

            """
        #expect(problems(app: app) == [
            "app.yaml:4:22: config.DJINIT_KILL_GRACE: expected a duration like 10s or 1500ms, of at most 8760h, got 'ten seconds'",
            "app.yaml:5:22: config.DJINIT_PROBE_PROT: not a djinit setting; did you mean DJINIT_PROBE_PORT?",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nconfig:\n  DJINIT_DRAIN_DELAY: \"1m\"\n") == [
            "app.yaml:4:23: config.DJINIT_DRAIN_DELAY: DJINIT_DRAIN_DELAY (1m) must be shorter than DJINIT_GRACE (30s), the whole shutdown budget it is part of",
        ])
    }

    @Test("a secret may not shadow a config value, nor be a djinit setting")
    func secretNames() {
        let app = """
            name: shop
            image: shop:1.0
            config: {API_KEY: "plain"}
            secrets: {API_KEY: AgB=, DJINIT_GRACE: AgC=}

            """
        #expect(problems(app: app) == [
            "app.yaml:4:20: secrets.API_KEY: also set in config (app.yaml:3:19); keep one",
            "app.yaml:4:40: secrets.DJINIT_GRACE: djinit settings are not secrets: djinit reads them from its environment, before the secrets directory; put it in config",
        ])
    }

    @Test("initStep job without ArgoCD is refused at its line: nothing would order it before the new pods")
    func jobNeedsArgoCD() {
        let platform = testPlatform + "initStep: job\n"
        #expect(problems(app: "name: shop\nimage: shop:1.0\n", platform: platform).first?
            .hasPrefix("platform.yaml:17:11: initStep: job runs the init step as an ArgoCD Sync hook") == true)
    }

    @Test("YAML syntax errors and duplicate keys point at their line")
    func syntax() {
        #expect(problems(app: "name: shop\nimage: shop:1.0\nweb: {replicas: 2\n").first?.hasPrefix("app.yaml:4:1: not valid YAML") == true)
        #expect(problems(app: "name: shop\nname: shop\nimage: shop:1.0\n").first?.contains("duplicate key name") == true)
    }

    @Test("the platform file is checked as strictly")
    func platformStrict() {
        #expect(problems(app: "name: shop\nimage: shop:1.0\n", platform: testPlatform + "replicas: 4\n") == [
            "platform.yaml:17:1: replicas: unknown key; allowed here: namespace, djinitVersion, initStep, requireImageDigest, djinitImage, runAsUser, "
                + "maxReplicas, resources, quota, storage, ingress, gateway, database, pooler, broker, monitoring, autoscaling, argocd",
        ])
    }

    @Test("autoscaling on metrics or queues is refused at its line when the platform lacks what the trigger reads")
    func scalingNeeds() {
        let web = "name: shop\nimage: shop:1.0\nweb:\n  autoscaling: {minReplicas: 1, maxReplicas: 3}\n"
        #expect(problems(app: web, platform: testPlatform + "djinitVersion: 0.1.0\nautoscaling: {web: backlog}\n") == [
            "platform.yaml:18:20: autoscaling.web: backlog needs monitoring.prometheus, the Prometheus KEDA queries",
            "platform.yaml:18:20: autoscaling.web: backlog scales on metrics djinit 0.2.0 brings, and the platform's images "
                + "may carry djinit 0.1.0 (djinitVersion)",
        ])
        #expect(problems(app: web, platform: testPlatform + "djinitVersion: 0.2.0\nautoscaling: {web: utilization}\n"
            + "monitoring: {namespace: monitoring, podSelector: {app: prometheus}, prometheus: 'http://prometheus.monitoring.svc:9090'}\n") == [])
        #expect(problems(app: web + "config: {DJINIT_HTTP_INTERFACE: asgi}\n", platform: testPlatform
            + "djinitVersion: 0.2.0\nautoscaling: {web: utilization}\n"
            + "monitoring: {namespace: monitoring, podSelector: {app: prometheus}, prometheus: 'http://prometheus.monitoring.svc:9090'}\n") == [
            "app.yaml:5:33: config.DJINIT_HTTP_INTERFACE: the platform scales the web on busy-worker utilization "
                + "(platform.yaml:18:20), which the ASGI worker has no fixed capacity for: ask the hoster for backlog",
        ])

        let worker = "name: shop\nimage: shop:1.0\nconfig: {DJINIT_ASYNC: celery}\nworker:\n  autoscaling: {minReplicas: 0, maxReplicas: 3}\n"
        let broker = "broker: {namespace: redis, podSelector: {app: redis}, port: 6379}\n"
        #expect(problems(app: worker, platform: testPlatform + broker) == [
            "app.yaml:5:30: worker.autoscaling.minReplicas: the platform does not let workers scale to zero (autoscaling.workersToZero)",
            "platform.yaml:17:9: broker: scaling Celery workers on queue length needs the broker's host, which KEDA reads Redis at",
        ])
        #expect(problems(app: worker, platform: testPlatform + broker.replacingOccurrences(of: "}\n", with: ", host: redis.redis.svc}\n")
            + "autoscaling: {workersToZero: true}\n") == [])
        #expect(problems(app: worker.replacingOccurrences(of: "celery", with: "auto"), platform: testPlatform + broker) == [
            "app.yaml:5:16: worker.autoscaling: scaling on queue length needs config.DJINIT_ASYNC set to celery or django-q: "
                + "the manifests cannot tell which broker auto would choose",
            "app.yaml:5:30: worker.autoscaling.minReplicas: the platform does not let workers scale to zero (autoscaling.workersToZero)",
        ])
        #expect(problems(app: worker.replacingOccurrences(of: "celery", with: "django-q"), platform: testPlatform) == [
            "app.yaml:5:16: worker.autoscaling: scaling django-q2 workers on queue length needs the platform's database, where its queue is",
            "app.yaml:5:30: worker.autoscaling.minReplicas: the platform does not let workers scale to zero (autoscaling.workersToZero)",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nconfig: {DJINIT_ASYNC: celery}\nworker:\n  replicas: 2\n"
            + "  autoscaling: {minReplicas: 3, maxReplicas: 2}\n", platform: testPlatform) == [
            "app.yaml:5:13: worker.replicas: set either replicas or autoscaling, not both: the autoscaler owns the replica count",
            "app.yaml:6:16: worker.autoscaling: scaling Celery workers on queue length needs the broker's host, which KEDA reads Redis at",
            "app.yaml:6:30: worker.autoscaling.minReplicas: minReplicas 3 is above maxReplicas 2",
        ])
    }

    @Test("beat holds its lock in the platform's database; with images older than djinit beat it needs its command")
    func beatNeeds() {
        let database = "database: {host: db.databases.svc, name: shop, user: shop, passwordSecret: {name: db, key: password}, "
            + "namespace: db, podSelector: {app: db}}\n"
        #expect(problems(app: "name: shop\nimage: shop:1.0\nbeat: {}\n", platform: testPlatform + "djinitVersion: 0.2.0\n" + database) == [])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nbeat: {}\n", platform: testPlatform + "djinitVersion: 0.2.0\n") == [
            "app.yaml:3:7: beat: djinit beat holds the beat lock, a PostgreSQL advisory lock, and the platform names no database "
                + "(platform.yaml has no database section)",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nbeat: {}\n", platform: testPlatform + "djinitVersion: 0.1.0\n") == [
            "app.yaml:3:7: beat: name the scheduler's command: the platform's images may carry djinit 0.1.0 (djinitVersion), "
                + "which has no djinit beat to run Celery beat by default",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nbeat: {command: [celery, beat]}\n",
                         platform: testPlatform + "djinitVersion: 0.1.0\n") == [])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nconfig: {DJINIT_BEAT: 'true'}\nworker: {}\n", platform: testPlatform) == [
            "app.yaml:3:23: config.DJINIT_BEAT: a worker with DJINIT_BEAT=true holds the beat lock, a PostgreSQL advisory lock, "
                + "and the platform names no database (platform.yaml has no database section)",
        ])
    }

    @Test("a djinit image needs djinit install, which arrived in 0.2.0")
    func djinitImageNeedsInstall() {
        let image = "djinitImage: registry.example.com/platform/djinit:0.2.0\n"
        #expect(problems(app: "name: shop\nimage: shop:1.0\n", platform: testPlatform + "djinitVersion: 0.2.0\n" + image) == [])
        #expect(problems(app: "name: shop\nimage: shop:1.0\n", platform: testPlatform + "djinitVersion: 0.1.0\n" + image) == [
            "platform.yaml:18:14: djinitImage: the init container that copies djinit runs djinit install, which arrived in "
                + "djinit 0.2.0, and the platform's images may carry djinit 0.1.0 (djinitVersion)",
        ])
        #expect(problems(app: "name: shop\nimage: shop:1.0\n", platform: testPlatform + "djinitImage: djinit:latest\n").first?
            .hasPrefix("platform.yaml:17:14: djinitImage: ") == true)
    }

    @Test("the platform may require a digest")
    func requireDigest() {
        #expect(problems(app: "name: shop\nimage: shop:1.0\n", platform: testPlatform + "requireImageDigest: true\n") == [
            "app.yaml:2:8: image: the platform requires images pinned by digest (image@sha256:...)",
        ])
    }

    // MARK: - Bounded work and values that are never meant

    @Test("a quantity too large to count is an error, never a crash")
    func hugeQuantities() {
        let app = "name: shop\nimage: shop:1.0\nvolume: {size: 9223.9T, mountPath: /app/media}\n"
        #expect(problems(app: app) == ["app.yaml:3:16: volume.size: expected a size like 512Mi, 1Gi or 10G, got the text '9223.9T'"])
        #expect(problems(app: "name: shop\nimage: shop:1.0\ncronJobs: [{name: c, schedule: '@daily', command: [x], deadline: "
            + String(repeating: "999999999h", count: 4000) + "}]\n").count == 1)
    }

    @Test("zero CPU, memory or volume size is refused", arguments: [
        "web: {resources: {limits: {cpu: \"0\"}}}", "web: {resources: {limits: {memory: 0Mi}}}",
        "volume: {size: \"0\", mountPath: /app/media}",
    ])
    func zeroQuantities(line: String) {
        let found = problems(app: "name: shop\nimage: shop:1.0\n" + line + "\n")
        #expect(found.count == 1 && found[0].contains("more than zero"), "\(found)")
    }

    @Test("cron schedules are read as Kubernetes reads them", arguments: [
        ("61 * * * *", false), ("*/0 * * * *", false), ("x * * * *", false), ("* 24 * * *", false), ("* * 0 * *", false),
        ("* * * 13 *", false), ("* * * * 8", false), ("5-1 * * * *", false), ("* * * * * *", false), ("@every", false),
        ("*/15 0-23/2 1,15 JAN-MAR MON-FRI", true), ("0 3 * * 7", true), ("0 0 ? * sun", true), ("@midnight", true),
    ])
    func cronSchedules(schedule: String, valid: Bool) {
        let app = "name: shop\nimage: shop:1.0\ncronJobs: [{name: c, schedule: '\(schedule)', command: [x]}]\n"
        #expect(problems(app: app).isEmpty == valid, "\(problems(app: app))")
    }

    @Test("an IP address is no Ingress host", arguments: [("10.0.0.1", false), ("1.2.3.4.nip.io", true), ("shop.example.com", true)])
    func ingressHosts(host: String, valid: Bool) {
        let found = problems(app: "name: shop\nimage: shop:1.0\nhosts: [\(host)]\n")
        #expect(found.allSatisfy { !$0.contains("hosts[0]") } == valid, "\(found)")
    }

    @Test("a volume may not hide /tmp or the secrets, nor be written two ways", arguments: [
        "/tmp", "/tmp/uploads", "/run", "/run/secrets/app", "/run/secrets/app/x", "/app//media", "/app/../etc", "/app/media/",
    ])
    func volumeMountPaths(path: String) {
        let found = problems(app: "name: shop\nimage: shop:1.0\nvolume: {size: 1Gi, mountPath: '\(path)'}\n")
        #expect(found.contains { $0.contains("volume.mountPath") }, "\(found)")
    }

    @Test("anchors and aliases are refused before anything is expanded")
    func aliasesRefused() {
        var laughs = "name: shop\nimage: shop:1.0\nconfig:\n  A: &a \"lol\"\n"
        var previous = "a"
        for level in 1...9 {
            laughs += "x\(level): &l\(level) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = "l\(level)"
        }
        let started = ContinuousClock.now
        #expect(problems(app: laughs) == ["app.yaml:4:6: YAML anchors are not supported here; write each value out"])
        #expect(problems(app: "name: shop\nimage: shop:1.0\nconfig: {A: x, B: *a}\n").count == 1)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a file over 1 MiB is not read, and a ConfigMap over 1 MiB is refused")
    func sizes() {
        let big = "name: shop\nimage: shop:1.0\nconfig:\n  A: \"" + String(repeating: "x", count: 1 << 20) + "\"\n"
        #expect(problems(app: big).first?.contains("at most 1048576 are read") == true)
        let nearly = "name: shop\nimage: shop:1.0\nconfig:\n  A: \"" + String(repeating: "x", count: (1 << 20) - 60) + "\"\n"
        #expect(problems(app: nearly).contains { $0.contains("the ConfigMap's data would be") }, "\(problems(app: nearly).map { $0.prefix(200) })")
    }

    @Test("at most 50 problems are listed")
    func problemCap() {
        let keys = (0..<80).map { "  bad-\($0): x" }.joined(separator: "\n")
        let found = problems(app: "name: shop\nimage: shop:1.0\nconfig:\n" + keys + "\n")
        #expect(found.count == 51 && found.last?.hasSuffix("and 30 more problems; fix these first") == true)
    }
}
