import DjinitSettings

/// Every kind of object djinit-kube and the chart render: the AppProject allows exactly these.
public enum KubeKind: String, CaseIterable, Sendable {
    case namespace = "Namespace"
    case resourceQuota = "ResourceQuota"
    case limitRange = "LimitRange"
    case serviceAccount = "ServiceAccount"
    case configMap = "ConfigMap"
    case sealedSecret = "SealedSecret"
    case persistentVolumeClaim = "PersistentVolumeClaim"
    case networkPolicy = "NetworkPolicy"
    case deployment = "Deployment"
    case service = "Service"
    case job = "Job"
    case cronJob = "CronJob"
    case ingress = "Ingress"
    case httpRoute = "HTTPRoute"
    case horizontalPodAutoscaler = "HorizontalPodAutoscaler"
    case podDisruptionBudget = "PodDisruptionBudget"
    case scaledObject = "ScaledObject"
    case triggerAuthentication = "TriggerAuthentication"
    case podMonitor = "PodMonitor"

    public var name: String { rawValue }

    public var apiVersion: String {
        switch self {
        case .namespace, .resourceQuota, .limitRange, .serviceAccount, .configMap, .persistentVolumeClaim, .service: "v1"
        case .sealedSecret: "bitnami.com/v1alpha1"
        case .networkPolicy, .ingress: "networking.k8s.io/v1"
        case .httpRoute: "gateway.networking.k8s.io/v1"
        case .deployment: "apps/v1"
        case .job, .cronJob: "batch/v1"
        case .horizontalPodAutoscaler: "autoscaling/v2"
        case .podDisruptionBudget: "policy/v1"
        case .scaledObject, .triggerAuthentication: "keda.sh/v1alpha1"
        case .podMonitor: "monitoring.coreos.com/v1"
        }
    }

    /// The API group (empty for the core group), as RBAC and ArgoCD name it.
    public var group: String { apiVersion.contains("/") ? String(apiVersion.prefix { $0 != "/" }) : "" }

    /// Whether objects of this kind belong to no namespace.
    public var isClusterScoped: Bool { self == .namespace }
}

/// The parts of the app, each a value of `app.kubernetes.io/component`.
enum Component: String, CaseIterable {
    case web, worker, beat, cron, `init`, pgbouncer
}

/// Builds the Kubernetes objects of a `Plan`. Every object exists only when the plan calls for it.
struct Renderer {
    let plan: Plan
    let app: AppSpec
    let platform: PlatformSpec
    let name: String
    let namespace: String

    init(_ plan: Plan) {
        self.plan = plan
        app = plan.app
        platform = plan.platform
        name = plan.app.name.value
        namespace = plan.platform.namespace
    }

    /// ArgoCD sync waves: what the workloads need first, then the init hook, then the workloads.
    enum Wave: Int {
        case prerequisites = -1
        case initHook = 0
        case workloads = 1
    }

    /// Object names derived from the app's.
    var webName: String { name + "-web" }
    var configName: String { name + "-config" }
    var secretsName: String { name + "-secrets" }
    var registryName: String { name + "-registry" }
    var volumeClaimName: String { name + "-data" }
    var poolerName: String { name + "-pgbouncer" }

    func objects() -> [KubeObject] {
        var objects = [namespaceObject()]
        objects += [resourceQuota(), limitRange()].compactMap { $0 }
        objects.append(serviceAccount())
        objects.append(configMap())
        objects += [sealedSecret(), registrySecret(), volumeClaim()].compactMap { $0 }
        objects += networkPolicies()
        objects += pooler()
        if platform.initStep.value == .job { objects.append(initJob()) }
        objects.append(webDeployment())
        objects.append(webService())
        objects += [ingress(), httpRoute(), webScaler(), webDisruptionBudget()].compactMap { $0 }
        objects += [workerDeployment(), workerDisruptionBudget()].compactMap { $0 }
        objects += workerScaler()
        objects += [beatDeployment()].compactMap { $0 }
        objects += cronJobs()
        objects += [podMonitor()].compactMap { $0 }
        return objects
    }

    // MARK: - Metadata

    /// The labels of every object of `component` (or of the app as a whole).
    func labels(_ component: Component?, extra: [(String, String)] = []) -> Tree {
        var pairs = [
            ("app.kubernetes.io/name", name),
            ("app.kubernetes.io/part-of", name),
            ("app.kubernetes.io/managed-by", "djinit-kube"),
        ]
        if let component { pairs.append(("app.kubernetes.io/component", component.rawValue)) }
        return .sortedStrings(pairs + extra.filter { label in !pairs.contains { $0.0 == label.0 } })
    }

    /// What selects the pods of `component`: the immutable subset of its labels.
    func selector(_ component: Component) -> Tree {
        .sortedStrings([("app.kubernetes.io/name", name), ("app.kubernetes.io/component", component.rawValue)])
    }

    /// Selects the pods of any of `components`.
    func selector(anyOf components: [Component]) -> Tree {
        [
            "matchLabels": ["app.kubernetes.io/name": .string(name)],
            "matchExpressions": [[
                "key": "app.kubernetes.io/component", "operator": "In",
                "values": .list(components.map { .string($0.rawValue) }),
            ]],
        ]
    }

    /// - Parameter extraLabels: labels beside djinit-kube's own, which they cannot replace.
    func metadata(_ objectName: String, _ component: Component?, wave: Wave?, annotations: [(String, String)] = [],
                  extraLabels: [(String, String)] = []) -> Tree {
        var allAnnotations = annotations
        if let wave, plan.argoCD {
            allAnnotations.append(("argocd.argoproj.io/sync-wave", String(wave.rawValue)))
        }
        return [
            "name": .string(objectName),
            "namespace": .string(namespace),
            "labels": labels(component, extra: extraLabels),
            "annotations": allAnnotations.isEmpty ? nil : .sortedStrings(allAnnotations),
        ]
    }

    func object(_ kind: KubeKind, _ objectName: String, metadata: Tree, spec: [Tree.Entry]) -> KubeObject {
        KubeObject(kind: kind.name, name: objectName, tree: .map([
            Tree.Entry("apiVersion", .string(kind.apiVersion)),
            Tree.Entry("kind", .string(kind.name)),
            Tree.Entry("metadata", metadata),
        ] + spec))
    }

    // MARK: - Namespace, quota, identity

    func namespaceObject() -> KubeObject {
        // Pod Security "restricted" enforced: whatever this tool or a person adds later, the API
        // server refuses a pod that could escalate.
        var labels: [(String, String)] = [
            ("app.kubernetes.io/name", name), ("app.kubernetes.io/part-of", name),
            ("app.kubernetes.io/managed-by", "djinit-kube"),
        ]
        for mode in ["enforce", "audit", "warn"] {
            labels += [("pod-security.kubernetes.io/\(mode)", "restricted"),
                       ("pod-security.kubernetes.io/\(mode)-version", "latest")]
        }
        var metadata: Tree = ["name": .string(namespace), "labels": .sortedStrings(labels)]
        if plan.argoCD {
            metadata = metadata.adding([Tree.Entry("annotations", ["argocd.argoproj.io/sync-wave": .string(String(Wave.prerequisites.rawValue))])])
        }
        return KubeObject(kind: KubeKind.namespace.name, name: namespace, tree: [
            "apiVersion": .string(KubeKind.namespace.apiVersion), "kind": .string(KubeKind.namespace.name), "metadata": metadata,
        ])
    }

    func resourceQuota() -> KubeObject? {
        guard let quota = platform.quota else { return nil }
        var hard: [(String, String)] = [
            ("requests.cpu", quota.cpu.text), ("limits.cpu", quota.cpu.text),
            ("requests.memory", quota.memory.text), ("limits.memory", quota.memory.text),
            ("pods", String(quota.pods)),
        ]
        if let storage = quota.storage { hard.append(("requests.storage", storage.text)) }
        return object(.resourceQuota, name, metadata: metadata(name, nil, wave: .prerequisites),
                      spec: [Tree.Entry("spec", ["hard": .sortedStrings(hard)])])
    }

    func limitRange() -> KubeObject? {
        let defaults = platform.defaults
        let limit: Tree = [
            "type": "Container",
            "default": ["cpu": .string(defaults.cpuLimit.text), "memory": .string(defaults.memoryLimit.text)],
            "defaultRequest": ["cpu": .string(defaults.cpuRequest.text), "memory": .string(defaults.memoryRequest.text)],
            "max": ["cpu": .string(platform.maxCPU.value.text), "memory": .string(platform.maxMemory.value.text)],
        ]
        return object(.limitRange, name, metadata: metadata(name, nil, wave: .prerequisites),
                      spec: [Tree.Entry("spec", ["limits": [limit]])])
    }

    func serviceAccount() -> KubeObject {
        // Django never talks to the Kubernetes API: no token in the pods at all.
        object(.serviceAccount, name, metadata: metadata(name, nil, wave: .prerequisites),
               spec: [Tree.Entry("automountServiceAccountToken", false)])
    }

    // MARK: - Configuration and secrets

    func configMap() -> KubeObject {
        object(.configMap, configName, metadata: metadata(configName, nil, wave: .prerequisites),
               spec: [Tree.Entry("data", .sortedStrings(plan.config))])
    }

    func sealedSecret() -> KubeObject? {
        guard !app.secrets.isEmpty else { return nil }
        return sealed(secretsName, type: "Opaque", data: app.secrets.map { ($0.name.value, $0.ciphertext) })
    }

    func registrySecret() -> KubeObject? {
        guard let ciphertext = app.encryptedPullSecret else { return nil }
        return sealed(registryName, type: "kubernetes.io/dockerconfigjson", data: [(".dockerconfigjson", ciphertext)])
    }

    /// A SealedSecret, which the controller decrypts into a Secret of the same name. The customer
    /// seals with `kubeseal --raw --namespace NAMESPACE --name NAME`, so the ciphertext only opens
    /// as this very Secret.
    private func sealed(_ secretName: String, type: String, data: [(String, String)]) -> KubeObject {
        object(.sealedSecret, secretName,
               metadata: metadata(secretName, nil, wave: .prerequisites),
               spec: [Tree.Entry("spec", [
                   "encryptedData": .sortedStrings(data),
                   "template": [
                       "metadata": ["name": .string(secretName), "namespace": .string(namespace), "labels": labels(nil)],
                       "type": .string(type),
                   ],
               ])])
    }

    /// A hash of everything the containers read at start-up but a Deployment does not show: a
    /// change to it changes the pod template, so the pods roll.
    var configurationHash: String {
        var text = plan.config.map { "config:\($0.0)=\($0.1)\n" }.joined()
        text += app.secrets.sorted { $0.name.value < $1.name.value }.map { "secret:\($0.name.value)=\($0.ciphertext)\n" }.joined()
        if let database = platform.database {
            text += "database-password:\(database.passwordSecret.name)/\(database.passwordSecret.key)\n"
        }
        return SHA256.hex(text)
    }

    // MARK: - Storage

    func volumeClaim() -> KubeObject? {
        guard let volume = app.volume, let storage = platform.storage else { return nil }
        // Neither ArgoCD nor Helm may delete the data: not when the app moves between them, nor
        // when it is pruned.
        let keep = [("argocd.argoproj.io/sync-options", "Prune=false,Delete=false"), ("helm.sh/resource-policy", "keep")]
        return object(.persistentVolumeClaim, volumeClaimName,
                      metadata: metadata(volumeClaimName, nil, wave: .prerequisites, annotations: keep),
                      spec: [Tree.Entry("spec", [
                          "accessModes": [.string(storage.accessMode.value.rawValue)],
                          "storageClassName": .string(storage.className),
                          "resources": ["requests": ["storage": .string(volume.size.value.text)]],
                      ])])
    }
}
