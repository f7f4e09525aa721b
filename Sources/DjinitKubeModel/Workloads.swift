import DjinitSettings

/// The pods: web, init step, worker, beat and cron jobs, and what scales and protects them.
extension Renderer {
    /// Each pod's writable /tmp, and its size: gunicorn's worker heartbeat files and Django's
    /// upload spool live there, while the root filesystem is read-only.
    static let temporaryPath = "/tmp"
    static let temporarySize = "512Mi"

    /// With platform.yaml's `djinitImage`, where the app containers find djinit: an emptyDir the
    /// first init container copies it into, mounted read-only at `injectedDirectory`.
    static let injectedDirectory = "/djinit"
    static var injectedBinary: String { injectedDirectory + "/djinit" }
    /// Where the djinit image holds its binary, and where its init container mounts the emptyDir.
    static let imageBinary = "/djinit"
    static let installTarget = "/target"
    /// The binary is about 14 MB.
    static let injectedSize = "64Mi"

    // MARK: - Containers

    /// The restricted container security context: non-root, no privilege escalation, no
    /// capabilities, read-only root, the runtime's seccomp profile.
    var containerSecurityContext: Tree {
        [
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "runAsUser": .int(platform.runAsUser),
            "runAsGroup": .int(platform.runAsUser),
            "capabilities": ["drop": ["ALL"]],
            "seccompProfile": ["type": "RuntimeDefault"],
        ]
    }

    func resourcesTree(_ resources: ResolvedResources) -> Tree {
        [
            "requests": ["cpu": .string(resources.cpuRequest.text), "memory": .string(resources.memoryRequest.text)],
            "limits": ["cpu": .string(resources.cpuLimit.text), "memory": .string(resources.memoryLimit.text)],
        ]
    }

    /// Whether the app's volume is mounted into pods of `component`. A ReadWriteOnce volume goes
    /// to the web pod alone: a second pod on another node could never attach it.
    func mountsVolume(_ component: Component) -> Bool {
        guard app.volume != nil else { return false }
        return component == .web || component == .`init` && platform.initStep.value == .initContainer
            || !plan.volumeIsSingleNode && component != .`init`
    }

    /// An app container running the image under djinit with `args`.
    func appContainer(_ containerName: String, args: [String], component: Component, resources: ResolvedResources,
                      ports: [(String, Port)] = [], probes: [(String, Tree)] = []) -> Tree {
        var mounts: [Tree] = [["name": "tmp", "mountPath": .string(Renderer.temporaryPath)]]
        if let path = plan.secretsPath { mounts.append(["name": "secrets", "mountPath": .string(path), "readOnly": true]) }
        if let volume = app.volume, mountsVolume(component) {
            mounts.append(["name": "data", "mountPath": .string(volume.mountPath.value)])
        }
        if platform.djinitImage != nil {
            mounts.append(["name": "djinit", "mountPath": .string(Renderer.injectedDirectory), "readOnly": true])
        }
        var container: [Tree.Entry] = [
            Tree.Entry("name", .string(containerName)),
            Tree.Entry("image", .string(app.image.value.text)),
            // With a digest this costs a manifest lookup per start, and it makes sure a node never
            // runs a cached image the registry's credentials no longer allow.
            Tree.Entry("imagePullPolicy", "Always"),
        ]
        // The image's own ENTRYPOINT is djinit; with djinitImage, the copy in the emptyDir is.
        if platform.djinitImage != nil { container.append(Tree.Entry("command", [.string(Renderer.injectedBinary)])) }
        container.append(Tree.Entry("args", .list(args.map(Tree.string))))
        if !ports.isEmpty {
            container.append(Tree.Entry("ports", .list(ports.map { port in
                ["name": .string(port.0), "containerPort": .int(Int(port.1.number)), "protocol": "TCP"]
            })))
        }
        container += [
            Tree.Entry("envFrom", [["configMapRef": ["name": .string(configName)]]]),
            Tree.Entry("resources", resourcesTree(resources)),
            Tree.Entry("securityContext", containerSecurityContext),
            Tree.Entry("volumeMounts", .list(mounts)),
        ]
        container += probes.map { Tree.Entry($0.0, $0.1) }
        return .map(container)
    }

    /// An HTTP probe of djinit's probe server.
    func probe(_ endpoint: ProbeEndpoint, period: Int, failureThreshold: Int) -> Tree {
        [
            "httpGet": ["path": .string(endpoint.rawValue), "port": "probe"],
            "periodSeconds": .int(period),
            "timeoutSeconds": 2,
            "failureThreshold": .int(failureThreshold),
        ]
    }

    /// The probes of a process djinit serves probes for (`run`, `async`): startup allows five
    /// minutes to boot; readiness reacts within one period, since djinit fails `/readyz` from the
    /// first moment of a drain; liveness restarts only after half a minute of silence.
    var djinitProbes: [(String, Tree)] {
        [
            ("startupProbe", probe(.startup, period: 2, failureThreshold: 150)),
            ("readinessProbe", probe(.ready, period: 5, failureThreshold: 1)),
            ("livenessProbe", probe(.live, period: 10, failureThreshold: 3)),
        ]
    }

    // MARK: - Pods

    /// The volumes of an app pod: /tmp, the secrets, and the app's volume where it is mounted.
    func appVolumes(_ component: Component) -> Tree {
        var volumes: [Tree] = [["name": "tmp", "emptyDir": ["sizeLimit": .string(Renderer.temporarySize)]]]
        if plan.secretsPath != nil {
            var sources: [Tree] = []
            if !app.secrets.isEmpty { sources.append(["secret": ["name": .string(secretsName)]]) }
            if let database = platform.database {
                sources.append(["secret": [
                    "name": .string(database.passwordSecret.name),
                    "items": [["key": .string(database.passwordSecret.key), "path": .string(Plan.passwordVariable)]],
                ]])
            }
            // 0440: readable by the pod's group (fsGroup), which djinit runs in.
            volumes.append(["name": "secrets", "projected": ["defaultMode": 0o440, "sources": .list(sources)]])
        }
        if mountsVolume(component) {
            volumes.append(["name": "data", "persistentVolumeClaim": ["claimName": .string(volumeClaimName)]])
        }
        if platform.djinitImage != nil {
            volumes.append(["name": "djinit", "emptyDir": ["sizeLimit": .string(Renderer.injectedSize)]])
        }
        return .list(volumes)
    }

    /// With `djinitImage`, an app pod's first init container: djinit copies itself into the
    /// emptyDir (the image has no `cp`, nor anything but djinit).
    func djinitInstallContainer(_ image: ImageReference) -> Tree {
        [
            "name": "djinit-install",
            "image": .string(image.text),
            "imagePullPolicy": "Always",
            "command": [.string(Renderer.imageBinary)],
            "args": ["install", .string(Renderer.installTarget)],
            "resources": [
                "requests": ["cpu": "10m", "memory": "16Mi"],
                "limits": ["cpu": "100m", "memory": "32Mi"],
            ],
            "securityContext": containerSecurityContext,
            "volumeMounts": [["name": "djinit", "mountPath": .string(Renderer.installTarget)]],
        ]
    }

    /// The pod-level part every pod shares.
    func podSpec(_ component: Component, containers: [Tree], initContainers: [Tree] = [], volumes: Tree,
                 terminationGrace: Int?, restartPolicy: String? = nil, spread: Bool = false) -> Tree {
        var spec: [Tree.Entry] = [
            Tree.Entry("serviceAccountName", .string(name)),
            Tree.Entry("automountServiceAccountToken", false),
            // Service links put a variable per Service into every container; Django needs none.
            Tree.Entry("enableServiceLinks", false),
        ]
        if let restartPolicy { spec.append(Tree.Entry("restartPolicy", .string(restartPolicy))) }
        if let terminationGrace { spec.append(Tree.Entry("terminationGracePeriodSeconds", .int(terminationGrace))) }
        spec.append(Tree.Entry("securityContext", [
            "runAsNonRoot": true,
            "runAsUser": .int(platform.runAsUser),
            "runAsGroup": .int(platform.runAsUser),
            "fsGroup": .int(platform.runAsUser),
            "seccompProfile": ["type": "RuntimeDefault"],
        ]))
        if app.encryptedPullSecret != nil && component != .pgbouncer {
            spec.append(Tree.Entry("imagePullSecrets", [["name": .string(registryName)]]))
        }
        if spread {
            // Across nodes and zones, as evenly as the cluster allows: a preference, never a reason
            // to leave a pod pending. pod-template-hash keeps a rollout's surge pods from counting
            // against the old ones.
            let constraints: [Tree] = ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map { key in
                [
                    "maxSkew": 1, "topologyKey": .string(key), "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": ["matchLabels": selector(component)],
                    "matchLabelKeys": ["pod-template-hash"],
                ]
            }
            spec.append(Tree.Entry("topologySpreadConstraints", .list(constraints)))
        }
        let installs = component != .pgbouncer ? platform.djinitImage.map { [djinitInstallContainer($0.value)] } ?? [] : []
        if !(installs + initContainers).isEmpty { spec.append(Tree.Entry("initContainers", .list(installs + initContainers))) }
        spec.append(Tree.Entry("containers", .list(containers)))
        spec.append(Tree.Entry("volumes", volumes))
        return .map(spec)
    }

    func template(_ component: Component, spec: Tree) -> Tree {
        [
            "metadata": [
                "labels": labels(component),
                "annotations": ["djinit.io/configuration-hash": .string(configurationHash)],
            ],
            "spec": spec,
        ]
    }

    func deployment(_ objectName: String, _ component: Component, replicas: Int?, recreate: Bool,
                    podSpec: Tree, annotations: [(String, String)] = [], wave: Wave = .workloads) -> KubeObject {
        let strategy: Tree = recreate
            ? ["type": "Recreate"]
            // One extra pod at a time, none taken away before its replacement is ready.
            : ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1, "maxUnavailable": 0]]
        return object(.deployment, objectName,
                      metadata: metadata(objectName, component, wave: wave, annotations: annotations),
                      spec: [Tree.Entry("spec", [
                          "replicas": replicas.map(Tree.int),
                          "revisionHistoryLimit": 5,
                          "selector": ["matchLabels": selector(component)],
                          "strategy": strategy,
                          "template": template(component, spec: podSpec),
                      ])])
    }

    // MARK: - Web

    var initContainer: Tree {
        appContainer("init", args: ["/init"], component: .`init`, resources: plan.webResources)
    }

    func webDeployment() -> KubeObject {
        let container = appContainer(
            "web", args: ["/run"], component: .web, resources: plan.webResources,
            ports: [("http", plan.httpPort), ("probe", plan.probePort)], probes: djinitProbes)
        let spec = podSpec(
            .web, containers: [container], initContainers: platform.initStep.value == .initContainer ? [initContainer] : [],
            volumes: appVolumes(.web), terminationGrace: Plan.terminationGracePeriod(covering: plan.grace),
            spread: !plan.volumeIsSingleNode)
        // A ReadWriteOnce volume cannot attach to the new pod while the old one holds it.
        return deployment(webName, .web, replicas: plan.webReplicas, recreate: plan.volumeIsSingleNode, podSpec: spec)
    }

    /// A PodDisruptionBudget, only where there are at least two pods: with one, any budget either
    /// blocks every node drain or protects nothing.
    func disruptionBudget(_ objectName: String, _ component: Component, minimumReplicas: Int) -> KubeObject? {
        guard minimumReplicas >= 2 else { return nil }
        return object(.podDisruptionBudget, objectName,
                      metadata: metadata(objectName, component, wave: .workloads),
                      spec: [Tree.Entry("spec", [
                          "maxUnavailable": 1,
                          "selector": ["matchLabels": selector(component)],
                          // A pod that is not ready protects no traffic; evicting it must not wait.
                          "unhealthyPodEvictionPolicy": "AlwaysAllow",
                      ])])
    }

    func webDisruptionBudget() -> KubeObject? {
        disruptionBudget(webName, .web, minimumReplicas: plan.volumeIsSingleNode ? 1 : plan.webMinimumReplicas)
    }

    // MARK: - Init step as a Job

    /// The `/init` step as a Job that ArgoCD runs as a Sync hook, after the prerequisites and
    /// before the workloads, deleted and created anew for each sync.
    func initJob() -> KubeObject {
        let objectName = name + "-init"
        let annotations = [
            ("argocd.argoproj.io/hook", "Sync"),
            ("argocd.argoproj.io/hook-delete-policy", "BeforeHookCreation"),
        ]
        let spec = podSpec(.`init`, containers: [initContainer], volumes: appVolumes(.`init`),
                           terminationGrace: Plan.terminationGracePeriod(covering: plan.grace), restartPolicy: "Never")
        return object(.job, objectName,
                      metadata: metadata(objectName, .`init`, wave: .initHook, annotations: annotations),
                      spec: [Tree.Entry("spec", [
                          // A failed migration is a failed sync, for a person to look at: retrying
                          // it blindly rarely helps and can make it worse.
                          "backoffLimit": 0,
                          "activeDeadlineSeconds": .int(Renderer.initDeadlineSeconds),
                          "template": template(.`init`, spec: spec),
                      ])])
    }

    /// How long the init step may take before the Job fails.
    static let initDeadlineSeconds = 1800

    // MARK: - Worker and beat

    var workerName: String { name + "-worker" }

    func workerDeployment() -> KubeObject? {
        guard let scale = plan.workerScale else { return nil }
        let container = appContainer("worker", args: ["/async"], component: .worker, resources: plan.workerResources,
                                     ports: [("probe", plan.probePort)], probes: djinitProbes)
        let spec = podSpec(.worker, containers: [container], volumes: appVolumes(.worker),
                           terminationGrace: Plan.terminationGracePeriod(covering: plan.grace), spread: true)
        // No replica count where KEDA owns it.
        let replicas: Int? = if case .fixed(let count) = scale { count } else { nil }
        return deployment(workerName, .worker, replicas: replicas, recreate: false, podSpec: spec)
    }

    func workerDisruptionBudget() -> KubeObject? {
        switch plan.workerScale {
        case .fixed(let count): disruptionBudget(workerName, .worker, minimumReplicas: count)
        case .queueLength(let min, _, _): disruptionBudget(workerName, .worker, minimumReplicas: min)
        case nil: nil
        }
    }

    /// The periodic-task scheduler: exactly one, so `Recreate` (a rolling update would run two
    /// schedulers and fire every task twice). Under `djinit beat` it runs only while it holds the
    /// cluster-wide lock, which keeps it to one even when a partitioned node's pod and its
    /// replacement both run, and it is probed like the others; with images whose djinit predates
    /// the command, under `djinit exec`, with `replicas: 1` and `Recreate` alone.
    func beatDeployment() -> KubeObject? {
        guard let beat = app.beat else { return nil }
        guard plan.beatRunsUnderLock else {
            // PlanChecks makes app.yaml name the command here: djinit exec has no default.
            let container = appContainer("beat", args: ["exec", "--"] + (beat.command ?? []), component: .beat,
                                         resources: plan.beatResources)
            let spec = podSpec(.beat, containers: [container], volumes: appVolumes(.beat),
                               terminationGrace: Plan.terminationGracePeriod(covering: plan.killGrace))
            // djinit exec runs no probe server, and a beat that hangs is not something an HTTP
            // check would see anyway.
            let skips = [
                ("checkov.io/skip1", "CKV_K8S_8=the scheduler serves no HTTP; djinit exec supervises it and exits with it"),
                ("checkov.io/skip2", "CKV_K8S_9=the scheduler receives no traffic, so readiness means nothing"),
            ]
            return deployment(name + "-beat", .beat, replicas: 1, recreate: true, podSpec: spec, annotations: skips)
        }
        let container = appContainer("beat", args: ["/beat"] + (beat.command.map { ["--"] + $0 } ?? []), component: .beat,
                                     resources: plan.beatResources, ports: [("probe", plan.probePort)], probes: djinitProbes)
        let spec = podSpec(.beat, containers: [container], volumes: appVolumes(.beat),
                           terminationGrace: Plan.terminationGracePeriod(covering: plan.grace))
        return deployment(name + "-beat", .beat, replicas: 1, recreate: true, podSpec: spec)
    }

    /// The pods that serve djinit's probes and `/metrics`.
    var probedComponents: [Component] {
        [.web] + (app.worker != nil ? [.worker] : []) + (app.beat != nil && plan.beatRunsUnderLock ? [.beat] : [])
    }

    // MARK: - Cron jobs

    func cronJobs() -> [KubeObject] {
        zip(app.cronJobs, plan.cronResources).map { job, resources in
            let objectName = name + "-" + job.name
            let container = appContainer(
                "cron", args: ["exec", "--", plan.python, plan.managePy] + job.command, component: .cron,
                resources: resources)
            let spec = podSpec(.cron, containers: [container], volumes: appVolumes(.cron),
                               terminationGrace: Plan.terminationGracePeriod(covering: plan.killGrace),
                               restartPolicy: "Never")
            return object(.cronJob, objectName,
                          metadata: metadata(objectName, .cron, wave: .workloads),
                          spec: [Tree.Entry("spec", [
                              "schedule": .string(job.schedule),
                              "timeZone": "Etc/UTC",
                              // A run still going when the next is due is not doubled up.
                              "concurrencyPolicy": "Forbid",
                              // A run missed by more than five minutes (controller down) is skipped.
                              "startingDeadlineSeconds": 300,
                              "successfulJobsHistoryLimit": 3,
                              "failedJobsHistoryLimit": 3,
                              "jobTemplate": ["spec": [
                                  "backoffLimit": 0,
                                  "activeDeadlineSeconds": .int(Int((job.deadline.wholeMilliseconds + 999) / 1000)),
                                  "template": template(.cron, spec: spec),
                              ]],
                          ])])
        }
    }
}
