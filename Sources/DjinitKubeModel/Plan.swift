import DjinitSettings
import DjinitText

/// CPU and memory of one container, every value decided.
public struct ResolvedResources: Sendable, Equatable {
    public var cpuRequest: Quantity
    public var memoryRequest: Quantity
    public var cpuLimit: Quantity
    public var memoryLimit: Quantity

    public init(cpuRequest: Quantity, memoryRequest: Quantity, cpuLimit: Quantity, memoryLimit: Quantity) {
        self.cpuRequest = cpuRequest
        self.memoryRequest = memoryRequest
        self.cpuLimit = cpuLimit
        self.memoryLimit = memoryLimit
    }

    /// What `request` asks for, the platform's `defaults` where it asks nothing.
    init(_ request: ResourceRequest, defaults: ResolvedResources) {
        self.init(cpuRequest: request.cpuRequest?.value ?? defaults.cpuRequest,
                  memoryRequest: request.memoryRequest?.value ?? defaults.memoryRequest,
                  cpuLimit: request.cpuLimit?.value ?? defaults.cpuLimit,
                  memoryLimit: request.memoryLimit?.value ?? defaults.memoryLimit)
    }
}

/// The djinit settings the manifests depend on, taken from `Schema` so that nothing is retyped.
/// Tests replace one with a different default, or a later release, to check that the manifests
/// follow.
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
    public var httpInterface = Schema.httpInterface
    public var asyncWorker = Schema.asyncWorker
    public var workerQueues = Schema.workerQueues
    public var beatBesideWorker = Schema.beat
    /// Every setting djinit knows, to validate app.yaml's `config` against.
    public var all = Schema.all

    public init() {}

    /// The release `name` arrived in, if it is a setting newer than `release` (which then does
    /// not know it); nil for a setting `release` knows, or a variable that is no setting.
    func arrival(of name: String, after release: Release) -> Release? {
        all.first { $0.name == name }.map(\.since).flatMap { $0 > release ? $0 : nil }
    }
}

/// How to render, apart from the two files.
public struct RenderOptions: Sendable {
    public var settings: DjinitSettingsInUse

    public init(settings: DjinitSettingsInUse = DjinitSettingsInUse()) {
        self.settings = settings
    }
}

/// app.yaml and platform.yaml checked against each other, with every default applied: what the
/// renderer works from. Building one derives every value (here) and then enforces every
/// cross-file rule (`PlanChecks`).
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
    /// The variables djinit-kube sets from platform.yaml, which app.yaml may not.
    let managedVariables: [(String, String)]

    public let probePort: Port
    public let httpPort: Port
    public let drainDelay: Duration
    public let grace: Duration
    public let killGrace: Duration
    public let python: String
    public let managePy: String
    /// The web's `DJINIT_HTTP_INTERFACE`; the workers' `DJINIT_ASYNC`, `DJINIT_WORKER_QUEUES` and
    /// `DJINIT_BEAT`.
    let httpInterface: AppInterface
    let asyncWorker: AsyncWorkerSetting
    let workerQueues: QueueNames
    let beatBesideWorker: Bool

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

    /// Derives everything the renderer needs from `app` and `platform`, then checks them
    /// against each other.
    /// - Throws: `InputError` with every violated rule, each pointing at the value in its file.
    public init(app: AppSpec, platform: PlatformSpec, options: RenderOptions = RenderOptions()) throws(InputError) {
        self.app = app
        self.platform = platform
        self.options = options

        let defaults = platform.defaults
        webResources = ResolvedResources(app.web.resources, defaults: defaults)
        workerResources = ResolvedResources(app.worker?.resources ?? .none, defaults: defaults)
        beatResources = ResolvedResources(app.beat?.resources ?? .none, defaults: defaults)
        cronResources = app.cronJobs.map { ResolvedResources($0.resources, defaults: defaults) }

        // The ConfigMap: the customer's variables, plus what the platform decides, plus the
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
            // Every connection of the app's to PostgreSQL gets the server's keepalives at login,
            // so that what a vanished pod held (migrate's own transaction among them) goes within
            // about half a minute; a customer's PGOPTIONS is kept, with these after it so that
            // they win.
            let own = app.config.first { $0.name.value == Plan.optionsVariable }?.value
            managed.append((Plan.optionsVariable, [own, DeadPeerDetection.startupOptions].compactMap { $0 }.joined(separator: " ")))
        }
        managedVariables = managed

        // The settings as djinit will read them; if app.yaml's do not parse, `PlanChecks` says so
        // and the defaults stand in.
        let effective = (try? Settings(environment: app.configEnvironment, schema: knobs.all))
            ?? (try! Settings(environment: [:], schema: knobs.all))
        probePort = effective[knobs.probePort]
        httpPort = effective[knobs.httpPort]
        drainDelay = effective[knobs.drainDelay]
        grace = effective[knobs.grace]
        killGrace = effective[knobs.killGrace]
        python = effective[knobs.python]
        managePy = effective[knobs.managePy]
        httpInterface = effective[knobs.httpInterface]
        asyncWorker = effective[knobs.asyncWorker]
        workerQueues = effective[knobs.workerQueues] ?? .celeryDefault
        beatBesideWorker = effective[knobs.beatBesideWorker]

        // Pinned as the customer spelt them (djinit reads them the same), else the defaults; a
        // setting the oldest djinit of the images does not know is left to its default there.
        func spelt(_ name: String, _ value: String) -> (String, String) {
            (name, app.config.first { $0.name.value == name }?.value ?? value)
        }
        let pinned = [
            spelt(knobs.probePort.name, probePort.settingText), spelt(knobs.httpPort.name, httpPort.settingText),
            spelt(knobs.drainDelay.name, drainDelay.settingText), spelt(knobs.grace.name, grace.settingText),
            spelt(knobs.killGrace.name, killGrace.settingText),
        ].filter { knobs.arrival(of: $0.0, after: platform.djinitVersion.value) == nil }
        let data = app.config.map { ($0.name.value, $0.value) }.filter { entry in !(pinned + managed).contains { $0.0 == entry.0 } }
        config = (data + pinned + managed).sorted { $0.0 < $1.0 }

        let problems = PlanChecks(self).problems
        guard problems.isEmpty else {
            throw InputError(problems.sorted {
                ($0.position.file, $0.position.line, $0.position.column) < ($1.position.file, $1.position.line, $1.position.column)
            })
        }
    }

    /// Whether ArgoCD delivers the app (platform.yaml has its section): then the init Job is a
    /// Sync hook and every object has a sync wave.
    public var argoCD: Bool { platform.argoCD != nil }

    /// Where a worker's queue length is read, for KEDA.
    public enum QueueSource: Sendable, Equatable {
        /// Celery on Redis: the lists of these queues.
        case redis(queues: [String])
        /// django-q2's ORM broker: its table in the app's database.
        case djangoQ
    }

    /// What decides how many worker pods run.
    public enum WorkerScale: Sendable {
        case fixed(Int)
        case queueLength(min: Int, max: Int, source: QueueSource?)
    }

    /// The workers' scale, if there are workers.
    public var workerScale: WorkerScale? {
        guard let worker = app.worker else { return nil }
        guard let scaling = worker.autoscaling else { return .fixed(worker.replicas.value) }
        return .queueLength(min: scaling.minReplicas.value, max: scaling.maxReplicas.value, source: queueSource)
    }

    /// Where the workers' queues are, from the worker `DJINIT_ASYNC` names; nil for `auto`, which
    /// only djinit in the image can resolve.
    var queueSource: QueueSource? {
        switch asyncWorker {
        case .celery: .redis(queues: workerQueues.names)
        case .djangoQ: .djangoQ
        case .auto: nil
        }
    }

    /// Whether the web scales through KEDA on one of djinit's metrics rather than on CPU.
    public var webScalesOnMetrics: Bool {
        app.web.autoscaling != nil && platform.autoscaling.web.value != .cpu
    }

    /// Whether beat runs as `djinit beat`, under the cluster-wide lock: when the oldest djinit of
    /// the images has the command. Else under `djinit exec`, as before it arrived.
    public var beatRunsUnderLock: Bool { platform.djinitVersion.value >= CommandName.beat.since }

    /// The pods that hold a PostgreSQL advisory lock, which must go to PostgreSQL directly, past a
    /// transaction pooler: the init step's migration lock, and the beat lock (beat's own pod, or
    /// the worker that runs beat beside it, `DJINIT_BEAT=true`).
    var lockHolders: [Component] {
        var holders: [Component] = [platform.initStep.value == .job ? .`init` : .web]
        if app.worker != nil && beatBesideWorker {
            holders.append(.worker)
        }
        if app.beat != nil && beatRunsUnderLock { holders.append(.beat) }
        return holders
    }

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
