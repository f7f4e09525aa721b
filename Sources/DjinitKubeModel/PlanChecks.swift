import DjinitSettings
import DjinitText

/// The cross-file rules: app.yaml against platform.yaml's bounds, and both against what djinit and
/// Kubernetes accept. Each rule group is one function that adds the problems it finds, every one
/// pointing at the value in its file; a plan with any is refused.
struct PlanChecks {
    private let plan: Plan
    private var app: AppSpec { plan.app }
    private var platform: PlatformSpec { plan.platform }
    private var knobs: DjinitSettingsInUse { plan.options.settings }
    private(set) var problems: [InputProblem] = []

    init(_ plan: Plan) {
        self.plan = plan
        image()
        replicas()
        scaling()
        beat()
        volume()
        wayIn()
        cronJobs()
        platformSections()
        resources()
        compatibility()
        reservedVariables()
        settings()
        objectSizes()
    }

    private mutating func fail(_ position: Position, _ message: String) {
        problems.append(InputProblem(position, message))
    }

    /// Where app.yaml sets `name` in `config`, else the app's name (for a default).
    private func configPosition(_ name: String) -> Position {
        app.config.first { $0.name.value == name }?.name.position ?? app.name.position
    }

    private mutating func image() {
        if platform.requireImageDigest && app.image.value.digest == nil {
            fail(app.image.position, "the platform requires images pinned by digest (image@sha256:...)")
        }
    }

    /// Replicas, bounded by the platform; fixed or autoscaled, not both.
    private mutating func replicas() {
        let maxReplicas = platform.maxReplicas
        func check(_ replicas: Located<Int>?) {
            guard let replicas, replicas.value > maxReplicas.value else { return }
            fail(replicas.position, "\(replicas.value) is above the platform's maximum of \(maxReplicas.value) "
                + "(\(maxReplicas.position.location))")
        }
        check(app.web.replicas)
        check(app.worker?.replicas)
        check(app.worker?.autoscaling?.maxReplicas)
        if let scaling = app.web.autoscaling {
            check(scaling.maxReplicas)
            if scaling.minReplicas.value > scaling.maxReplicas.value {
                fail(scaling.minReplicas.position, "minReplicas \(scaling.minReplicas.value) is above maxReplicas \(scaling.maxReplicas.value)")
            }
            if let replicas = app.web.replicas {
                fail(replicas.position, "set either replicas or autoscaling, not both: the autoscaler owns the replica count")
            }
        }
    }

    /// Autoscaling through KEDA: what the platform offers, and what each trigger needs.
    private mutating func scaling() {
        let offered = platform.autoscaling
        if plan.webScalesOnMetrics {
            if platform.monitoring?.prometheus == nil {
                fail(offered.web.position, "\(offered.web.value.rawValue) needs monitoring.prometheus, the Prometheus KEDA queries")
            }
            if offered.web.value == .utilization && plan.httpInterface == .asgi {
                fail(configPosition(knobs.httpInterface.name), "the platform scales the web on busy-worker utilization "
                    + "(\(offered.web.position.location)), which the ASGI worker has no fixed capacity for: ask the hoster for backlog")
            }
            if platform.djinitVersion.value < Schema.httpMetrics.since {
                fail(offered.web.position, "\(offered.web.value.rawValue) scales on metrics djinit \(Schema.httpMetrics.since) brings, and "
                    + "the platform's images may carry djinit \(platform.djinitVersion.value) (djinitVersion)")
            }
        }
        guard let worker = app.worker, let scaling = worker.autoscaling else { return }
        if let replicas = worker.writtenReplicas {
            fail(replicas, "set either replicas or autoscaling, not both: the autoscaler owns the replica count")
        }
        if scaling.minReplicas.value > scaling.maxReplicas.value {
            fail(scaling.minReplicas.position, "minReplicas \(scaling.minReplicas.value) is above maxReplicas \(scaling.maxReplicas.value)")
        }
        if scaling.minReplicas.value == 0 && !offered.workersToZero.value {
            fail(scaling.minReplicas.position, "the platform does not let workers scale to zero (autoscaling.workersToZero)")
        }
        switch plan.queueSource {
        case .redis:
            if platform.broker?.host == nil {
                fail(platform.broker?.position ?? scaling.position,
                     "scaling Celery workers on queue length needs the broker's host, which KEDA reads Redis at")
            }
        case .djangoQ:
            if platform.database == nil {
                fail(scaling.position, "scaling django-q2 workers on queue length needs the platform's database, where its queue is")
            }
        case nil:
            fail(scaling.position, "scaling on queue length needs config.\(knobs.asyncWorker.name) set to celery or django-q: "
                + "the manifests cannot tell which broker auto would choose")
        }
    }

    /// Beat: `djinit beat` (and a worker's `DJINIT_BEAT`) hold a PostgreSQL advisory lock, so
    /// the platform must name the database; `djinit exec`, for images older than `djinit beat`,
    /// needs the command spelt out.
    private mutating func beat() {
        let release = platform.djinitVersion.value
        if let image = platform.djinitImage, release < CommandName.install.since {
            fail(image.position, "the init container that copies djinit runs djinit install, which arrived in djinit "
                + "\(CommandName.install.since), and the platform's images may carry djinit \(release) (djinitVersion)")
        }
        if let beat = app.beat, beat.command == nil && !plan.beatRunsUnderLock {
            fail(beat.position, "name the scheduler's command: the platform's images may carry djinit \(release) (djinitVersion), "
                + "which has no djinit beat to run Celery beat by default")
        }
        guard platform.database == nil else { return }
        let why = "holds the beat lock, a PostgreSQL advisory lock, and the platform names no database (platform.yaml has no database section)"
        if let beat = app.beat, plan.beatRunsUnderLock {
            fail(beat.position, "djinit beat \(why)")
        }
        if app.worker != nil && plan.beatBesideWorker {
            fail(configPosition(knobs.beatBesideWorker.name), "a worker with \(knobs.beatBesideWorker.name)=true \(why)")
        }
    }

    /// The volume: the platform must offer storage, big enough, and ReadWriteOnce pins the web to
    /// one pod.
    private mutating func volume() {
        guard let volume = app.volume else { return }
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

    /// Hosts need one way in, an Ingress or a Gateway; Ingress annotations need the allow-list.
    private mutating func wayIn() {
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
    }

    private mutating func cronJobs() {
        var seen: Set<String> = []
        for job in app.cronJobs where !seen.insert(job.name).inserted {
            fail(app.name.position.withPath("cronJobs"), "two cron jobs are named \(Escaping.quotedValue(job.name))")
        }
    }

    /// platform.yaml's sections that need one another.
    private mutating func platformSections() {
        if let pooler = platform.pooler, platform.database == nil {
            fail(pooler.position, "a pooler needs the database section it pools connections to")
        }
        if platform.initStep.value == .job && platform.argoCD == nil {
            fail(platform.initStep.position, "job runs the init step as an ArgoCD Sync hook, before the workloads; "
                + "without the argocd section nothing orders it before the new pods serve: add it, or use initContainer")
        }
    }

    /// Each container's resources within the platform's per-container maximum, requests within
    /// limits.
    private mutating func resources() {
        let requests = [(app.web.resources, plan.webResources)]
            + (app.worker.map { [($0.resources, plan.workerResources)] } ?? [])
            + (app.beat.map { [($0.resources, plan.beatResources)] } ?? [])
            + zip(app.cronJobs.map(\.resources), plan.cronResources).map { ($0, $1) }
        for (request, resolved) in requests {
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
        }
    }

    /// Compatibility with the oldest djinit of the images (`Release`): a setting it does not know
    /// would stop it at start-up, so the customer may not set one, and a feature that needs one
    /// is refused.
    private mutating func compatibility() {
        let oldest = platform.djinitVersion
        for (name, _) in app.config {
            if let since = knobs.arrival(of: name.value, after: oldest.value) {
                fail(name.position, "arrived in djinit \(since), and the platform's images may carry djinit \(oldest.value) "
                    + "(platform.yaml's djinitVersion), which would refuse it and not start")
            }
        }
        for (name, _) in plan.managedVariables {
            if let since = knobs.arrival(of: name, after: oldest.value) {
                fail(oldest.position, "the platform's setup needs \(name), which arrived in djinit \(since): raise djinitVersion "
                    + "once every image (and every image a rollback may return to) carries it")
            }
        }
    }

    /// What platform.yaml decides app.yaml may not set, and secrets that cannot be secrets.
    private mutating func reservedVariables() {
        let managed = plan.managedVariables.map(\.0)
        let reserved = managed.filter { $0 != Plan.optionsVariable } + (platform.database == nil ? [] : [Plan.passwordVariable])
        for (name, _) in app.config where reserved.contains(name.value) {
            fail(name.position, "set by djinit-kube from platform.yaml; remove it here")
        }
        for (name, _) in app.secrets {
            if reserved.contains(name.value) || managed.contains(name.value) {
                fail(name.position, "set by djinit-kube from platform.yaml; remove it here")
            } else if name.value.hasPrefix(Schema.ownPrefix) {
                fail(name.position, "djinit settings are not secrets: djinit reads them from its environment, "
                    + "before the secrets directory; put it in config")
            } else if let clash = app.config.first(where: { $0.name.value == name.value }) {
                fail(name.position, "also set in config (\(clash.name.position.location)); keep one")
            }
        }
    }

    /// djinit checks these same variables at start-up; checking them here turns a pod that would
    /// crash on deploy into an error that points at the line.
    private mutating func settings() {
        do {
            _ = try Settings(environment: app.configEnvironment, schema: knobs.all)
        } catch {
            for problem in error.problems { fail(configPosition(problem.variable), problem.message) }
        }
        if plan.drainDelay >= plan.grace {
            fail(configPosition(knobs.drainDelay.name), "\(knobs.drainDelay.name) (\(plan.drainDelay.settingText)) must be shorter than "
                + "\(knobs.grace.name) (\(plan.grace.settingText)), the whole shutdown budget it is part of")
        }
        if plan.probePort == plan.httpPort {
            fail(app.name.position.withPath("config"), "\(knobs.probePort.name) and \(knobs.httpPort.name) are both \(plan.httpPort)")
        }
    }

    /// Kubernetes refuses a ConfigMap or Secret whose data is over 1 MiB; a SealedSecret's
    /// ciphertext is longer than the Secret it opens to, so bounding it bounds both.
    private mutating func objectSizes() {
        let configBytes = plan.config.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count }
        if configBytes > Plan.objectDataLimit {
            fail(app.name.position.withPath("config"),
                 "the ConfigMap's data would be \(configBytes) bytes; Kubernetes allows \(Plan.objectDataLimit)")
        }
        let secretBytes = app.secrets.reduce(0) { $0 + $1.name.value.utf8.count + $1.ciphertext.utf8.count }
        if secretBytes > Plan.objectDataLimit {
            fail(app.name.position.withPath("secrets"),
                 "the sealed secrets are \(secretBytes) bytes; Kubernetes allows \(Plan.objectDataLimit) in one Secret")
        }
    }
}
