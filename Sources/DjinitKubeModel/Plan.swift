import DjinitSettings
import DjinitText

/// CPU and memory of one container, every value decided.
public struct ResolvedResources: Sendable, Equatable {
    public var cpuRequest: Quantity
    public var memoryRequest: Quantity
    public var cpuLimit: Quantity
    public var memoryLimit: Quantity
}

/// The djinit settings the manifests depend on, taken from `Schema` so that nothing is retyped.
/// Tests replace one with a different default to check that the manifests follow.
public struct DjinitSettingsInUse: Sendable {
    public var probePort = Schema.probePort
    public var httpPort = Schema.httpPort
    public var drainDelay = Schema.drainDelay
    public var grace = Schema.grace
    public var killGrace = Schema.killGrace
    public var secretsDir = Schema.secretsDir
    public var databaseURL = Schema.databaseURL
    public var migrateDatabaseURL = Schema.migrateDatabaseURL
    public var python = Schema.python
    public var managePy = Schema.managePy
    /// Every setting djinit knows, to validate app.yaml's `config` against.
    public var all = Schema.all

    public init() {}
}

/// How to render, apart from the two files.
public struct RenderOptions: Sendable {
    public var settings: DjinitSettingsInUse

    public init(settings: DjinitSettingsInUse = DjinitSettingsInUse()) {
        self.settings = settings
    }
}

/// app.yaml and platform.yaml checked against each other, with every default applied: what the
/// renderer works from. Building one is where every cross-file rule is enforced.
public struct Plan: Sendable {
    public let app: AppSpec
    public let platform: PlatformSpec
    public let options: RenderOptions

    public let webResources: ResolvedResources
    public let workerResources: ResolvedResources
    public let beatResources: ResolvedResources
    public let cronResources: [ResolvedResources]
    /// Where secrets are mounted and what `DJINIT_SECRETS_DIR` says; nil when there are none.
    public let secretsPath: String?
    /// The ConfigMap's data, sorted by name.
    public let config: [(String, String)]

    public let probePort: Port
    public let httpPort: Port
    public let drainDelay: Duration
    public let grace: Duration
    public let killGrace: Duration
    public let python: String
    public let managePy: String

    /// Where the secrets volume is mounted in every app container.
    public static let secretsMountPath = "/run/secrets/app"
    /// The variable libpq reads a password from when the URL has none: how the database password
    /// reaches Django without being written into DATABASE_URL in the ConfigMap.
    public static let passwordVariable = "PGPASSWORD"
    /// The most data one ConfigMap or Secret may hold (Kubernetes' limit).
    public static let objectDataLimit = 1 << 20
    /// The variable libpq reads startup options from: djinit-kube adds the server's keepalives.
    public static let optionsVariable = "PGOPTIONS"
    /// The port PgBouncer listens on.
    public static let poolerPort = 6432

    /// Checks `app` against `platform` and applies the defaults.
    /// - Throws: `InputError` with every violated rule, each pointing at the value in its file.
    public init(app: AppSpec, platform: PlatformSpec, options: RenderOptions = RenderOptions()) throws(InputError) {
        var problems: [InputProblem] = []
        func fail(_ position: Position, _ message: String) { problems.append(InputProblem(position, message)) }
        self.app = app
        self.platform = platform
        self.options = options

        if platform.requireImageDigest && app.image.value.digest == nil {
            fail(app.image.position, "the platform requires images pinned by digest (image@sha256:...)")
        }

        // Replicas, bounded by the platform and by the volume's access mode.
        let maxReplicas = platform.maxReplicas
        func checkReplicas(_ replicas: Located<Int>?) {
            guard let replicas, replicas.value > maxReplicas.value else { return }
            fail(replicas.position, "\(replicas.value) is above the platform's maximum of \(maxReplicas.value) "
                + "(\(maxReplicas.position.location))")
        }
        checkReplicas(app.web.replicas)
        checkReplicas(app.worker?.replicas)
        if let scaling = app.web.autoscaling {
            checkReplicas(scaling.maxReplicas)
            if scaling.minReplicas.value > scaling.maxReplicas.value {
                fail(scaling.minReplicas.position, "minReplicas \(scaling.minReplicas.value) is above maxReplicas \(scaling.maxReplicas.value)")
            }
            if let replicas = app.web.replicas {
                fail(replicas.position, "set either replicas or autoscaling, not both: the autoscaler owns the replica count")
            }
        }

        // The volume: the platform must offer storage, big enough, and RWO pins the web to one pod.
        if let volume = app.volume {
            if let storage = platform.storage {
                if volume.size.value > storage.maxSize.value {
                    fail(volume.size.position, "\(volume.size.value) is above the platform's maximum volume size of "
                        + "\(storage.maxSize.value) (\(storage.maxSize.position.location))")
                }
                if storage.accessMode.value == .readWriteOnce {
                    let why = "the platform's volumes are ReadWriteOnce (\(storage.accessMode.position.location)): "
                        + "one attaches to a single node, so the web runs as exactly one pod"
                    if let replicas = app.web.replicas, replicas.value > 1 {
                        fail(replicas.position, "\(replicas.value) replicas, but \(why); use 1, drop the volume, "
                            + "or ask the hoster for ReadWriteMany")
                    }
                    if let scaling = app.web.autoscaling {
                        fail(scaling.minReplicas.position, "autoscaling, but \(why); drop autoscaling, drop the volume, "
                            + "or ask the hoster for ReadWriteMany")
                    }
                }
            } else {
                fail(volume.position, "the platform offers no storage (platform.yaml has no storage section)")
            }
            for (taken, what) in [(Renderer.temporaryPath, "the writable /tmp every pod mounts"),
                                  (Plan.secretsMountPath, "where the secrets are mounted")]
            where Rules.overlaps(volume.mountPath.value, taken) {
                fail(volume.mountPath.position, "\(volume.mountPath.value) overlaps \(taken), \(what); choose another path")
            }
        }

        if let gateway = platform.gateway, platform.ingress != nil {
            fail(gateway.position, "choose one way in: ingress or gateway, not both")
        }
        if let first = app.hosts.first, platform.ingress == nil && platform.gateway == nil {
            fail(first.position, "the platform does not expose apps (platform.yaml has neither an ingress nor a gateway section)")
        }
        for (key, _) in app.ingressAnnotations {
            if key.value.hasSuffix("-snippet") {
                fail(key.position, "snippet annotations inject raw controller configuration and are never allowed")
            } else if platform.gateway != nil {
                fail(key.position, "the platform routes through a Gateway, and an HTTPRoute takes no Ingress annotations")
            } else if !(platform.ingress?.allowedAnnotations.contains(key.value) ?? false) {
                let allowed = platform.ingress?.allowedAnnotations ?? []
                fail(key.position, "annotation not allowed by the platform; allowed: "
                    + (allowed.isEmpty ? "none" : allowed.joined(separator: ", ")))
            }
        }

        var seenCron: Set<String> = []
        for job in app.cronJobs where !seenCron.insert(job.name).inserted {
            fail(app.name.position.withPath("cronJobs"), "two cron jobs are named \(Escaping.quotedValue(job.name))")
        }

        if let pooler = platform.pooler, platform.database == nil {
            fail(pooler.position, "a pooler needs the database section it pools connections to")
        }
        if platform.initStep.value == .job && platform.argoCD == nil {
            fail(platform.initStep.position, "job runs the init step as an ArgoCD Sync hook, before the workloads; "
                + "without the argocd section nothing orders it before the new pods serve: add it, or use initContainer")
        }

        // Resources, each bounded by the platform's per-container maximum.
        func resolve(_ request: ResourceRequest) -> ResolvedResources {
            let resolved = ResolvedResources(
                cpuRequest: request.cpuRequest?.value ?? platform.defaults.cpuRequest,
                memoryRequest: request.memoryRequest?.value ?? platform.defaults.memoryRequest,
                cpuLimit: request.cpuLimit?.value ?? platform.defaults.cpuLimit,
                memoryLimit: request.memoryLimit?.value ?? platform.defaults.memoryLimit)
            for (given, bound) in [(request.cpuRequest, platform.maxCPU), (request.cpuLimit, platform.maxCPU),
                                   (request.memoryRequest, platform.maxMemory), (request.memoryLimit, platform.maxMemory)] {
                if let given, given.value > bound.value {
                    fail(given.position, "\(given.value) is above the platform's per-container maximum of "
                        + "\(bound.value) (\(bound.position.location))")
                }
            }
            if resolved.cpuRequest > resolved.cpuLimit {
                fail(request.cpuRequest?.position ?? request.cpuLimit?.position ?? app.web.position,
                     "the CPU request \(resolved.cpuRequest) is above its limit \(resolved.cpuLimit)")
            }
            if resolved.memoryRequest > resolved.memoryLimit {
                fail(request.memoryRequest?.position ?? request.memoryLimit?.position ?? app.web.position,
                     "the memory request \(resolved.memoryRequest) is above its limit \(resolved.memoryLimit)")
            }
            return resolved
        }
        webResources = resolve(app.web.resources)
        workerResources = resolve(app.worker?.resources ?? ResourceRequest(nil))
        beatResources = resolve(app.beat?.resources ?? ResourceRequest(nil))
        cronResources = app.cronJobs.map { resolve($0.resources) }

        // The ConfigMap: the customer's variables, checked against djinit's schema, plus the
        // settings the manifests were computed from, pinned so that djinit uses the same values.
        let knobs = options.settings
        let hasSecrets = !app.secrets.isEmpty || platform.database != nil
        secretsPath = hasSecrets ? Plan.secretsMountPath : nil
        var managed: [(String, String)] = []
        if hasSecrets { managed.append((knobs.secretsDir.name, Plan.secretsMountPath)) }
        if let database = platform.database {
            let direct = "postgres://\(database.user)@\(database.host):\(database.port)/\(database.name)"
            if platform.pooler != nil {
                let pooled = "postgres://\(database.user)@\(app.name.value)-pgbouncer:\(Plan.poolerPort)/\(database.name)"
                managed += [(knobs.databaseURL.name, pooled), (knobs.migrateDatabaseURL.name, direct)]
            } else {
                managed.append((knobs.databaseURL.name, direct))
            }
        }
        // Every connection of the app's to PostgreSQL gets the server's keepalives at login, so
        // that what a vanished pod held (migrate's own transaction among them) goes within about
        // half a minute; a customer's PGOPTIONS is kept, with these after it so that they win.
        if platform.database != nil {
            let own = app.config.first { $0.name.value == Plan.optionsVariable }?.value
            managed.append((Plan.optionsVariable, [own, DeadPeerDetection.startupOptions].compactMap { $0 }.joined(separator: " ")))
        }
        // Compatibility with the oldest djinit of the images (`Release`): a setting it does not
        // know would stop it at start-up, so the customer may not set one, a feature that needs
        // one is refused, and a pinned one is left to that djinit's default.
        let oldest = platform.djinitVersion
        func arrival(_ name: String) -> Release? {
            knobs.all.first { $0.name == name }.map(\.since).flatMap { $0 > oldest.value ? $0 : nil }
        }
        for (name, _) in app.config {
            if let since = arrival(name.value) {
                fail(name.position, "arrived in djinit \(since), and the platform's images may carry djinit \(oldest.value) "
                    + "(platform.yaml's djinitVersion), which would refuse it and not start")
            }
        }
        for (name, _) in managed {
            if let since = arrival(name) {
                fail(oldest.position, "the platform's setup needs \(name), which arrived in djinit \(since): raise djinitVersion "
                    + "once every image (and every image a rollback may return to) carries it")
            }
        }
        let reserved = managed.map(\.0).filter { $0 != Plan.optionsVariable }
            + (platform.database == nil ? [] : [Plan.passwordVariable])
        for (name, _) in app.config where reserved.contains(name.value) {
            fail(name.position, "set by djinit-kube from platform.yaml; remove it here")
        }
        for (name, _) in app.secrets {
            if reserved.contains(name.value) || managed.contains(where: { $0.0 == name.value }) {
                fail(name.position, "set by djinit-kube from platform.yaml; remove it here")
            } else if name.value.hasPrefix(Schema.ownPrefix) {
                fail(name.position, "djinit settings are not secrets: djinit reads them from its environment, "
                    + "before the secrets directory; put it in config")
            } else if let clash = app.config.first(where: { $0.name.value == name.value }) {
                fail(name.position, "also set in config (\(clash.name.position.location)); keep one")
            }
        }
        // djinit checks these same variables at start-up; checking them here turns a pod that
        // would crash on deploy into an error that points at the line.
        let given = Environment(app.config.map { (name: $0.name.value, value: $0.value) })
        let effective: Settings
        do {
            effective = try Settings(environment: given, schema: knobs.all)
        } catch {
            for problem in error.problems {
                let position = app.config.first { $0.name.value == problem.variable }?.name.position ?? app.name.position
                fail(position, problem.message)
            }
            effective = try! Settings(environment: [:], schema: knobs.all)
        }
        probePort = effective[knobs.probePort]
        httpPort = effective[knobs.httpPort]
        drainDelay = effective[knobs.drainDelay]
        grace = effective[knobs.grace]
        killGrace = effective[knobs.killGrace]
        python = effective[knobs.python]
        managePy = effective[knobs.managePy]
        if drainDelay >= grace {
            let position = app.config.first { $0.name.value == knobs.drainDelay.name }?.name.position ?? app.name.position
            fail(position, "\(knobs.drainDelay.name) (\(drainDelay.settingText)) must be shorter than "
                + "\(knobs.grace.name) (\(grace.settingText)), the whole shutdown budget it is part of")
        }
        if probePort == httpPort {
            fail(app.name.position.withPath("config"), "\(knobs.probePort.name) and \(knobs.httpPort.name) are both \(httpPort)")
        }
        // As the customer spelt them (djinit reads them the same), else the defaults.
        func spelt(_ name: String, _ value: String) -> (String, String) {
            (name, app.config.first { $0.name.value == name }?.value ?? value)
        }
        let pinned: [(String, String)] = [
            spelt(knobs.probePort.name, probePort.settingText), spelt(knobs.httpPort.name, httpPort.settingText),
            spelt(knobs.drainDelay.name, drainDelay.settingText), spelt(knobs.grace.name, grace.settingText),
            spelt(knobs.killGrace.name, killGrace.settingText),
        ].filter { arrival($0.0) == nil }
        var data = app.config.map { ($0.name.value, $0.value) }
            .filter { entry in !(pinned + managed).contains { $0.0 == entry.0 } }
        data += pinned + managed
        config = data.sorted { $0.0 < $1.0 }

        // Kubernetes refuses a ConfigMap or Secret whose data is over 1 MiB; a SealedSecret's
        // ciphertext is longer than the Secret it opens to, so bounding it bounds both.
        let configBytes = config.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count }
        if configBytes > Plan.objectDataLimit {
            fail(app.name.position.withPath("config"),
                 "the ConfigMap's data would be \(configBytes) bytes; Kubernetes allows \(Plan.objectDataLimit)")
        }
        let secretBytes = app.secrets.reduce(0) { $0 + $1.name.value.utf8.count + $1.ciphertext.utf8.count }
        if secretBytes > Plan.objectDataLimit {
            fail(app.name.position.withPath("secrets"),
                 "the sealed secrets are \(secretBytes) bytes; Kubernetes allows \(Plan.objectDataLimit) in one Secret")
        }

        guard problems.isEmpty else {
            throw InputError(problems.sorted {
                ($0.position.file, $0.position.line, $0.position.column) < ($1.position.file, $1.position.line, $1.position.column)
            })
        }
    }

    /// Whether ArgoCD delivers the app (platform.yaml has its section): then the init Job is a
    /// Sync hook and every object has a sync wave.
    public var argoCD: Bool { platform.argoCD != nil }

    /// Web pods when the replica count is fixed; nil when an autoscaler owns it.
    public var webReplicas: Int? { app.web.autoscaling == nil ? app.web.replicas?.value ?? 1 : nil }

    /// The fewest web pods there will be, which decides whether a PodDisruptionBudget helps.
    public var webMinimumReplicas: Int { app.web.autoscaling?.minReplicas.value ?? webReplicas ?? 1 }

    /// Whether the app's volume is ReadWriteOnce, which pins the web to one pod.
    public var volumeIsSingleNode: Bool { app.volume != nil && platform.storage?.accessMode.value == .readWriteOnce }

    /// The pod's `terminationGracePeriodSeconds` for a process djinit stops within `budget`: the
    /// budget rounded up, plus a margin for djinit's own exit and the kubelet's bookkeeping, so
    /// that the kubelet's SIGKILL never cuts djinit's drain short.
    public static func terminationGracePeriod(covering budget: Duration) -> Int {
        let milliseconds = budget.wholeMilliseconds
        return Int((milliseconds + 999) / 1000) + terminationMarginSeconds
    }

    /// See `terminationGracePeriod(covering:)`.
    public static let terminationMarginSeconds = 5
}
