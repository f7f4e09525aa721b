import Foundation

/// Random valid app.yaml and platform.yaml pairs, for comparing the two renderers: every section
/// of either file present or not, bounds near their limits, and hostile (but printable) text in
/// every free-text field. Written as JSON, which YAML readers take as it is.
enum RandomPairs {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["DJTEST_SEED"].flatMap { UInt64($0) } ?? 20_261_130

    /// SplitMix64, so that a failing case can be made again from its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Text an attacker would write in a free field, printable: YAML's indicators and words,
    /// document markers, quotes, line breaks, non-ASCII and the like.
    static let pieces = [
        ": ", "- ", "#", "&a", "*a", "!!str", "|", ">", "'", "\"", "%", "@", "`", "{", "}", "[", "]", ",", "?", "---",
        "...", "<<", "~", "yes", "no", "on", "null", "true", "0x1F", "1e3", "1:30", ".inf", "0440", "\\", "\\n", "\n", "\r\n",
        "\n  hostNetwork: true", "key: value", "é", "日本", "שלום", "😀", " ", "  ", "{{ .Values }}", "{{", "}}", "$(x)", "<script>",
        "&amp;", "%s", "%d", "\u{A0}", "\u{301}",
    ]

    static func text(_ generator: inout Generator, nonEmpty: Bool = false) -> String {
        var text = (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        if nonEmpty && text.isEmpty { text = "x" }
        return text
    }

    static func chance(_ generator: inout Generator, _ percent: Int = 50) -> Bool { Int.random(in: 0..<100, using: &generator) < percent }

    static func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]),
               as: UTF8.self) + "\n"
    }

    static let digest = "@sha256:" + String(repeating: "4f", count: 32)

    /// (app.yaml, platform.yaml)
    static func make(_ g: inout Generator) -> (String, String) {
        var platform: [String: Any] = [
            "namespace": "ns-\(Int.random(in: 1...9999, using: &g))",
            "maxReplicas": Int.random(in: 1...10, using: &g),
            "resources": [
                "defaults": ["requests": ["cpu": "100m", "memory": "128Mi"],
                             "limits": ["cpu": ["500m", "1"].randomElement(using: &g)!, "memory": ["256Mi", 536_870_912].randomElement(using: &g)!]],
                "max": ["cpu": "2", "memory": "2Gi"],
            ],
        ]
        if chance(&g) { platform["djinitVersion"] = ["0.1.0", "0.2.0"].randomElement(using: &g)! }
        if chance(&g) { platform["requireImageDigest"] = chance(&g) }
        if chance(&g, 25) { platform["djinitImage"] = "registry.example.com/platform/djinit:0.2.0@sha256:" + String(repeating: "7", count: 64) }
        if chance(&g) { platform["runAsUser"] = Int.random(in: 10000...65000, using: &g) }
        if chance(&g, 30) {
            var quota: [String: Any] = ["cpu": "16", "memory": "32Gi", "pods": Int.random(in: 10...100, using: &g)]
            if chance(&g) { quota["storage"] = "50Gi" }
            platform["quota"] = quota
        }
        let storage = chance(&g)
        if storage {
            platform["storage"] = ["className": "standard", "accessMode": chance(&g) ? "ReadWriteOnce" : "ReadWriteMany", "maxSize": "20Gi"]
        }
        let ingress = chance(&g, 45)
        let gateway = !ingress && chance(&g, 50)
        let allowed = ["nginx.ingress.kubernetes.io/proxy-body-size", "nginx.ingress.kubernetes.io/proxy-read-timeout"]
        if ingress {
            platform["ingress"] = ["className": "nginx", "clusterIssuer": "letsencrypt",
                                   "controller": ["namespace": "ingress-nginx", "podSelector": ["app.kubernetes.io/name": "ingress-nginx"]],
                                   "allowedAnnotations": Array(allowed.prefix(Int.random(in: 0...2, using: &g)))]
        }
        if gateway {
            platform["gateway"] = ["name": "public", "namespace": "gateway-system", "listener": ["https", "websecure"].randomElement(using: &g)!,
                                   "proxies": ["namespace": "envoy-gateway-system",
                                               "podSelector": ["gateway.envoyproxy.io/owning-gateway-name": "public"]]]
        }
        let database = chance(&g, 70)
        if database {
            var section: [String: Any] = ["host": "db.databases.svc", "name": "app", "user": "app",
                                          "passwordSecret": ["name": "db-app", "key": "password"], "namespace": "databases",
                                          "podSelector": ["cnpg.io/cluster": "db"]]
            if chance(&g) { section["port"] = [5432, 6543].randomElement(using: &g)! }
            if chance(&g, 30) { section["sslMode"] = ["disable", "require", "verify-ca", "verify-full"].randomElement(using: &g)! }
            platform["database"] = section
            if chance(&g) {
                var pooler: [String: Any] = ["image": "ghcr.io/acme/pgbouncer:1.23.1" + digest,
                                             "userlistSecret": ["name": "pgbouncer-auth", "key": "userlist.txt"]]
                if chance(&g) { pooler["replicas"] = Int.random(in: 1...3, using: &g) }
                if chance(&g) { pooler["maxClientConnections"] = 500 }
                platform["pooler"] = pooler
            }
        }
        if chance(&g, 40) {
            var broker: [String: Any] = ["namespace": "redis", "podSelector": ["app": "redis"], "port": 6379]
            if chance(&g, 70) { broker["host"] = "redis.redis.svc" }
            if chance(&g) { broker["database"] = Int.random(in: 0...15, using: &g) }
            if chance(&g) { broker["passwordSecret"] = ["name": "redis-auth", "key": "password"] }
            platform["broker"] = broker
        }
        if chance(&g, 40) {
            var monitoring: [String: Any] = ["namespace": "monitoring", "podSelector": ["app.kubernetes.io/name": "prometheus"]]
            if chance(&g) { monitoring["podMonitor"] = chance(&g) }
            if chance(&g) { monitoring["podMonitorLabels"] = ["release": "prometheus"] }
            if chance(&g, 70) { monitoring["prometheus"] = ["http://prometheus.monitoring.svc:9090", "https://prom.example.com"].randomElement(using: &g)! }
            platform["monitoring"] = monitoring
        }
        if chance(&g) {
            var autoscaling: [String: Any] = [:]
            if chance(&g, 70) { autoscaling["web"] = ["cpu", "utilization", "backlog"].randomElement(using: &g)! }
            if chance(&g) { autoscaling["utilizationTarget"] = Int.random(in: 1...100, using: &g) }
            if chance(&g) { autoscaling["backlogTarget"] = Int.random(in: 1...50, using: &g) }
            if chance(&g) { autoscaling["queueLengthTarget"] = Int.random(in: 1...1000, using: &g) }
            if chance(&g) { autoscaling["workersToZero"] = chance(&g) }
            platform["autoscaling"] = autoscaling
        }
        if chance(&g) {
            platform["argocd"] = ["project": "customers", "chart": ["repoURL": "oci://registry.example.com/charts",
                                                                   "chart": "djinit-app", "version": "0.2.0"],
                                  "app": ["repoURL": "https://git.example.com/customers/app.git"]]
            if chance(&g) { platform["initStep"] = "job" }
        } else if chance(&g, 30) {
            platform["initStep"] = "initContainer"
        }
        let maxReplicas = platform["maxReplicas"] as! Int
        let singleNode = storage && (platform["storage"] as! [String: Any])["accessMode"] as! String == "ReadWriteOnce"

        var app: [String: Any] = [
            "name": "app\(Int.random(in: 1...999, using: &g))",
            "image": "registry.example.com/acme/app:1.\(Int.random(in: 0...99, using: &g))" + digest,
        ]
        if (ingress || gateway) && chance(&g, 70) {
            app["hosts"] = (0..<Int.random(in: 1...3, using: &g)).map { "h\($0).example.com" }
            let annotations = ingress ? (platform["ingress"] as! [String: Any])["allowedAnnotations"] as! [String] : []
            if !annotations.isEmpty && chance(&g) {
                app["ingress"] = ["annotations": [annotations[0]: text(&g)]]
            }
        }
        if chance(&g, 30) { app["imagePullSecret"] = ["encryptedDockerConfigJson": "AgBy3i4OJSWK+PiTySYZZA=="] }
        if chance(&g) { app["secrets"] = ["DJANGO_SECRET_KEY": "AgA2kl1Vq6G7M2Qz8Yw0bX4pR1s=", "API_TOKEN": "AgB="] }
        var config: [String: Any] = [:]
        for index in 0..<Int.random(in: 0...4, using: &g) { config["X_\(index)"] = text(&g) }
        if chance(&g, 30) { config["DJINIT_GRACE"] = ["45s", "1m", "60000ms"].randomElement(using: &g)! }
        if chance(&g, 30) { config["DJINIT_DRAIN_DELAY"] = ["2s", "3000ms"].randomElement(using: &g)! }
        if chance(&g, 20) { config["DJINIT_PROBE_PORT"] = "9090" }
        if chance(&g, 20) { config["DJINIT_KILL_GRACE"] = "1m30s" }
        if chance(&g, 20) { config["DJINIT_LOG_FORMAT"] = "json" }
        if chance(&g, 15) { config["DJINIT_HTTP_INTERFACE"] = "asgi" }
        if database && chance(&g, 20) { config["PGOPTIONS"] = "-c search_path=app" }
        if chance(&g, 40) { config["DJINIT_ASYNC"] = ["celery", "django-q", "auto"].randomElement(using: &g)! }
        if chance(&g, 20) { config["DJINIT_WORKER_QUEUES"] = chance(&g, 80) ? "high,default" : text(&g) }
        if chance(&g, 15) { config["DJINIT_BEAT"] = "true" }
        if !config.isEmpty { app["config"] = config }

        func resources() -> [String: Any] {
            let pick = [("100m", "500m"), ("250m", "1"), ("1", "2")].randomElement(using: &g)!
            let memory: (Any, Any) = [("128Mi", "256Mi"), ("256Mi", 1_073_741_824), ("1Gi", "2Gi")].randomElement(using: &g)!
            return ["requests": ["cpu": pick.0, "memory": memory.0], "limits": ["cpu": pick.1, "memory": memory.1]]
        }
        var web: [String: Any] = [:]
        if !singleNode && chance(&g, 40) {
            let low = Int.random(in: 1...maxReplicas, using: &g)
            var scaling: [String: Any] = ["minReplicas": low, "maxReplicas": Int.random(in: low...maxReplicas, using: &g)]
            if chance(&g) { scaling["targetCPUUtilization"] = Int.random(in: 30...90, using: &g) }
            web["autoscaling"] = scaling
        } else if chance(&g) {
            web["replicas"] = singleNode ? 1 : Int.random(in: 1...maxReplicas, using: &g)
        }
        if chance(&g) { web["resources"] = resources() }
        if !web.isEmpty { app["web"] = web }
        if chance(&g) {
            var worker: [String: Any] = [:]
            if chance(&g, 40) {
                let low = Int.random(in: 0...maxReplicas, using: &g)
                worker["autoscaling"] = ["minReplicas": low, "maxReplicas": Int.random(in: max(low, 1)...maxReplicas, using: &g)]
            } else if chance(&g) {
                worker["replicas"] = Int.random(in: 1...maxReplicas, using: &g)
            }
            if chance(&g) { worker["resources"] = resources() }
            app["worker"] = worker
        }
        if chance(&g, 30) {
            app["beat"] = chance(&g, 70) ? ["command": ["celery", text(&g, nonEmpty: true), "beat"]] : [:]
        }
        if chance(&g, 40) {
            let schedules = ["17 3 * * *", "*/15 * * * *", "0 0-23/2 1,15 JAN-MAR MON-FRI", "@daily", "0 0 ? * sun", "5 4 * * 7"]
            app["cronJobs"] = (0..<Int.random(in: 1...3, using: &g)).map { index -> [String: Any] in
                var job: [String: Any] = ["name": "c\(index)", "schedule": schedules.randomElement(using: &g)!,
                                          "command": [text(&g, nonEmpty: true)]]
                if chance(&g) { job["deadline"] = ["10m", "1h30m", "90s"].randomElement(using: &g)! }
                if chance(&g, 30) { job["resources"] = resources() }
                return job
            }
        }
        if storage && chance(&g, 60) {
            app["volume"] = ["size": ["1Gi", "5Gi", 1_073_741_824].randomElement(using: &g)!, "mountPath": "/app/media"]
        }
        return (json(app), json(platform))
    }
}
