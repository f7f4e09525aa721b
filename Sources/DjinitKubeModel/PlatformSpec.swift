import DjinitSettings

/// How the `/init` step (migrations and the rest of `djinit init`) runs before new code serves.
public enum InitStep: String, Sendable, CaseIterable {
    /// A Job that ArgoCD runs as a Sync hook before it syncs the workloads.
    case job
    /// An init container of each web pod: the new pods serve only once it succeeded.
    case initContainer
}

/// Which pods may mount a volume at once.
public enum AccessMode: String, Sendable, CaseIterable {
    /// One node: the web runs as a single pod, replaced with `Recreate`.
    case readWriteOnce = "ReadWriteOnce"
    /// Many nodes: the web may scale, and workers share the volume.
    case readWriteMany = "ReadWriteMany"
}

/// One key of a Secret the hoster keeps.
public struct SecretKeyReference: Sendable {
    public var name: String
    public var key: String

    static let shape = Shape.object([
        Field("name", .text(Rules.dnsLabel(maxLength: 253)), required: true, "The Secret's name, in the app's namespace."),
        Field("key", .text(Rules.secretKey), required: true, "The key within it."),
    ])

    init(_ checked: Checked) {
        name = checked["name"]!.string
        key = checked["key"]!.string
    }
}

/// Pods somewhere in the cluster, for NetworkPolicies: a namespace and a label selector.
public struct PeerSelector: Sendable {
    public var namespace: String
    public var labels: [(String, String)]

    static let fields = [
        Field("namespace", .text(Rules.dnsLabel(maxLength: 63)), required: true, "The namespace the pods run in."),
        Field("podSelector", .dictionary(key: Rules.metadataKey, value: .text(Rules.labelValue)), required: true,
              "Labels that select the pods."),
    ]

    init(_ checked: Checked) {
        namespace = checked["namespace"]!.string
        labels = checked["podSelector"]!.entries.map { ($0.key, $0.value.string) }
    }
}

/// The hoster's `platform.yaml`: where and within which bounds the app runs. It wins every
/// conflict with app.yaml.
public struct PlatformSpec: Sendable {
    public var namespace: String
    /// The oldest djinit in the app's images: the settings it does not know are never written.
    public var djinitVersion: Located<Release>
    public var initStep: Located<InitStep>
    public var requireImageDigest: Bool
    /// The UID and GID every container runs as.
    public var runAsUser: Int
    public var maxReplicas: Located<Int>
    public var defaults: ResolvedResources
    public var maxCPU: Located<Quantity>
    public var maxMemory: Located<Quantity>
    public var quota: Quota?
    public var storage: Storage?
    public var ingress: Ingress?
    public var gateway: Gateway?
    public var database: Database?
    public var pooler: Pooler?
    public var broker: Broker?
    public var argoCD: ArgoCD?

    public struct Quota: Sendable {
        public var cpu: Quantity
        public var memory: Quantity
        public var storage: Quantity?
        public var pods: Int
    }

    public struct Storage: Sendable {
        public var className: String
        public var accessMode: Located<AccessMode>
        public var maxSize: Located<Quantity>
    }

    public struct Ingress: Sendable {
        public var className: String
        public var clusterIssuer: String
        public var controller: PeerSelector
        public var allowedAnnotations: [String]
    }

    /// A Gateway API Gateway the hoster runs, which the app's HTTPRoute attaches to. TLS ends at
    /// its listener, with the hoster's certificate: the route only names hosts.
    public struct Gateway: Sendable {
        public var name: String
        public var namespace: String
        /// The HTTPS listener the route attaches to: a route without one would attach to every
        /// listener, plain HTTP included.
        public var listener: String
        public var proxies: PeerSelector
        public var position: Position
    }

    public struct Database: Sendable {
        public var host: String
        public var port: Int
        public var name: String
        public var user: String
        public var passwordSecret: SecretKeyReference
        public var peer: PeerSelector
    }

    public struct Pooler: Sendable {
        public var image: ImageReference
        public var replicas: Int
        public var maxClientConnections: Int
        public var defaultPoolSize: Int
        /// PgBouncer's `auth_file`: `"user" "password-or-SCRAM-secret"` lines.
        public var userlistSecret: SecretKeyReference
        public var position: Position
    }

    public struct Broker: Sendable {
        public var peer: PeerSelector
        public var port: Int
    }

    /// How ArgoCD delivers the app (`djinit-kube argocd` writes its Application and AppProject):
    /// the djinit-app chart, with the customer's app.yaml as a value file and the hoster's values.
    public struct ArgoCD: Sendable {
        /// Where ArgoCD runs.
        public var namespace: String
        /// The AppProject fencing this app in.
        public var project: String
        public var chart: ChartSource
        public var customerRepository: Repository
        /// The path of app.yaml in the customer's repository.
        public var valuesFile: String
    }

    /// Where the djinit-app chart comes from, pinned.
    public struct ChartSource: Sendable {
        public var repoURL: String
        /// The chart's name in a Helm or OCI repository, or nil for a Git repository.
        public var chart: String?
        /// Its folder in a Git repository.
        public var path: String?
        /// A chart version, or a Git tag or commit.
        public var version: String
    }

    /// A Git repository at a revision.
    public struct Repository: Sendable {
        public var repoURL: String
        public var revision: String
    }

    /// The UID containers run as unless platform.yaml says otherwise: above 10000, so that it
    /// matches no user of the node (checkov CKV_K8S_40).
    public static let defaultRunAsUser = 10001

    private static let port = Shape.integer(1...65535)

    /// Everything platform.yaml may hold; any other key is an error.
    public static let shape = Shape.object([
        Field("namespace", .text(Rules.dnsLabel(maxLength: 63)), required: true, "The namespace the app gets to itself."),
        Field("djinitVersion", .text(Rules.djinitRelease), default: .string(Release.oldestSupported.description),
              "The oldest djinit the app's images (and those a rollback returns to) carry, as djinit --version prints it: "
                + "djinit refuses a setting it does not know, so the manifests set only those it knows."),
        Field("initStep", .choice(InitStep.allCases.map(\.rawValue)), default: .string(InitStep.initContainer.rawValue),
              "How djinit init runs: a Job run as an ArgoCD Sync hook (needs the argocd section), or an init container of the web pods."),
        Field("requireImageDigest", .boolean, default: false, "Refuse images not pinned by digest."),
        Field("runAsUser", .integer(10000...2_147_483_647), default: .int(defaultRunAsUser), "UID and GID of every container."),
        Field("maxReplicas", .integer(1...100), required: true, "The most pods of one kind app.yaml may ask for."),
        Field("resources", .object([
            Field("defaults", .object([
                Field("requests", resourcePair, required: true, "Requests of a container app.yaml gives none for."),
                Field("limits", resourcePair, required: true, "Limits of a container app.yaml gives none for."),
            ]), required: true, "What a container gets unless app.yaml asks otherwise."),
            Field("max", resourcePair, required: true, "The most one container may ask for."),
        ]), required: true, "Per-container CPU and memory."),
        Field("quota", .object([
            Field("cpu", .quantity(.cpu), required: true, "CPU of all pods together (requests and limits)."),
            Field("memory", .quantity(.bytes), required: true, "Memory of all pods together."),
            Field("storage", .quantity(.bytes), "Storage of all volumes together."),
            Field("pods", .integer(1...10000), required: true, "Number of pods."),
        ]), "A ResourceQuota for the namespace."),
        Field("storage", .object([
            Field("className", .text(Rules.dnsLabel(maxLength: 253)), required: true, "The StorageClass of the app's volume."),
            Field("accessMode", .choice(AccessMode.allCases.map(\.rawValue)), required: true,
                  "ReadWriteOnce pins the web to one pod; ReadWriteMany lets it scale."),
            Field("maxSize", .quantity(.bytes), required: true, "The largest volume app.yaml may ask for."),
        ]), "Where app.yaml's volume lives; without it app.yaml may not ask for one."),
        Field("ingress", .object([
            Field("className", .text(Rules.dnsLabel(maxLength: 253)), required: true, "The IngressClass."),
            Field("clusterIssuer", .text(Rules.dnsLabel(maxLength: 253)), required: true,
                  "The cert-manager ClusterIssuer that issues the TLS certificates."),
            Field("controller", .object(PeerSelector.fields), required: true,
                  "The ingress controller's pods: the only ones allowed to reach the web pods."),
            Field("allowedAnnotations", .list(.text(Rules.metadataKey), count: 0...100), default: [],
                  "Ingress annotations app.yaml may set (never *-snippet ones)."),
        ]), "How the app is exposed through an Ingress and cert-manager; one of ingress and gateway is needed when app.yaml lists hosts."),
        Field("gateway", .object([
            Field("name", .text(Rules.dnsLabel(maxLength: 253)), required: true, "The Gateway the app's HTTPRoute attaches to."),
            Field("namespace", .text(Rules.dnsLabel(maxLength: 63)), required: true, "The Gateway's namespace."),
            Field("listener", .text(Rules.dnsLabel(maxLength: 253)), required: true,
                  "The Gateway's HTTPS listener (the route's sectionName): TLS ends there, with the hoster's certificate."),
            Field("proxies", .object(PeerSelector.fields), required: true,
                  "The Gateway's proxy pods: the only ones allowed to reach the web pods."),
        ]), "How the app is exposed through a Gateway API Gateway, as an HTTPRoute: instead of ingress."),
        Field("database", .object([
            Field("host", .text(Rules.hostname), required: true, "PostgreSQL's host name."),
            Field("port", port, default: 5432, "PostgreSQL's port."),
            Field("name", .text(Rules.postgresName), required: true, "The database."),
            Field("user", .text(Rules.postgresName), required: true, "The role the app connects as."),
            Field("passwordSecret", SecretKeyReference.shape, required: true,
                  "Where that role's password is: it reaches the app as PGPASSWORD, through the secrets directory."),
        ] + PeerSelector.fields), "The PostgreSQL the app uses."),
        Field("pooler", .object([
            Field("image", .text(Rules.image), required: true, "A PgBouncer image (1.21 or later) with pgbouncer on PATH."),
            Field("replicas", .integer(1...20), default: 2, "PgBouncer pods."),
            Field("maxClientConnections", .integer(1...100_000), default: 200, "PgBouncer's max_client_conn."),
            Field("defaultPoolSize", .integer(1...10_000), default: 20, "PgBouncer's default_pool_size."),
            Field("userlistSecret", SecretKeyReference.shape, required: true, "PgBouncer's auth_file."),
        ]), "A PgBouncer in transaction pooling between the app and PostgreSQL; needs database."),
        Field("broker", .object(PeerSelector.fields + [
            Field("port", port, required: true, "The broker's port, e.g. 6379."),
        ]), "The task broker (Redis, RabbitMQ) the app and its workers reach."),
        Field("argocd", .object([
            Field("namespace", .text(Rules.dnsLabel(maxLength: 63)), default: "argocd", "Where ArgoCD runs."),
            Field("project", .text(Rules.dnsLabel(maxLength: 63)), required: true,
                  "The AppProject djinit-kube argocd writes for this app, its fence: the app's namespace and repositories only."),
            Field("chart", .object([
                Field("repoURL", .text(Rules.chartRepositoryURL), required: true,
                      "The Helm or OCI repository holding the djinit-app chart, or the Git repository of its folder."),
                Field("chart", .text(Rules.dnsLabel(maxLength: 63)), "The chart's name in a Helm or OCI repository."),
                Field("path", .text(Rules.relativePath), "The chart's folder in a Git repository."),
                Field("version", .text(Rules.nonEmptyText), required: true,
                      "The chart version, or a Git tag or commit: pinned, never a branch that moves."),
            ]), required: true, "The djinit-app chart, pinned."),
            Field("app", .object([
                Field("repoURL", .text(Rules.repositoryURL), required: true, "The customer's Git repository."),
                Field("revision", .text(Rules.nonEmptyText), default: "HEAD", "The branch, tag or commit ArgoCD follows."),
                Field("valuesFile", .text(Rules.relativePath), default: "app.yaml", "The path of app.yaml in it."),
            ]), required: true, "The customer's repository, whose app.yaml is the chart's value file."),
        ]), "How ArgoCD delivers the app: djinit-kube argocd writes its Application and AppProject. With it, the init Job "
            + "is a Sync hook and every object has a sync wave."),
    ])

    private static let resourcePair = Shape.object([
        Field("cpu", .quantity(.cpu), required: true, "CPU cores, e.g. 250m."),
        Field("memory", .quantity(.bytes), required: true, "Memory, e.g. 512Mi."),
    ])

    /// platform.yaml as read, every default filled in: the hoster's values of the Helm chart
    /// (`djinit-kube values`).
    public let completed: Tree

    /// Reads and checks platform.yaml's text; `file` names it in errors.
    /// - Throws: `InputError` naming file, line and key of every problem.
    public init(yaml text: String, file: String) throws(InputError) {
        self.init(try PlatformSpec.shape.read(text, file: file))
    }

    init(_ root: Checked) {
        completed = root.completed
        func quantity(_ checked: Checked, _ kind: QuantityKind) -> Located<Quantity> {
            checked.located(Quantity(checked.quantityText, kind: kind)!)
        }
        namespace = root["namespace"]!.string
        djinitVersion = root["djinitVersion"]!.located(Release(root["djinitVersion"]!.string)!)
        initStep = root["initStep"]!.located(InitStep(rawValue: root["initStep"]!.string)!)
        requireImageDigest = root["requireImageDigest"]!.bool
        runAsUser = root["runAsUser"]!.int
        maxReplicas = root["maxReplicas"]!.located(root["maxReplicas"]!.int)
        let resources = root["resources"]!
        let defaults = resources["defaults"]!
        self.defaults = ResolvedResources(
            cpuRequest: quantity(defaults["requests"]!["cpu"]!, .cpu).value,
            memoryRequest: quantity(defaults["requests"]!["memory"]!, .bytes).value,
            cpuLimit: quantity(defaults["limits"]!["cpu"]!, .cpu).value,
            memoryLimit: quantity(defaults["limits"]!["memory"]!, .bytes).value)
        maxCPU = quantity(resources["max"]!["cpu"]!, .cpu)
        maxMemory = quantity(resources["max"]!["memory"]!, .bytes)
        quota = root["quota"].map { quota in
            Quota(cpu: quantity(quota["cpu"]!, .cpu).value, memory: quantity(quota["memory"]!, .bytes).value,
                  storage: quota["storage"].map { quantity($0, .bytes).value }, pods: quota["pods"]!.int)
        }
        storage = root["storage"].map { storage in
            Storage(className: storage["className"]!.string,
                    accessMode: storage["accessMode"]!.located(AccessMode(rawValue: storage["accessMode"]!.string)!),
                    maxSize: quantity(storage["maxSize"]!, .bytes))
        }
        ingress = root["ingress"].map { ingress in
            Ingress(className: ingress["className"]!.string, clusterIssuer: ingress["clusterIssuer"]!.string,
                    controller: PeerSelector(ingress["controller"]!),
                    allowedAnnotations: ingress["allowedAnnotations"]!.strings)
        }
        gateway = root["gateway"].map { gateway in
            Gateway(name: gateway["name"]!.string, namespace: gateway["namespace"]!.string,
                    listener: gateway["listener"]!.string, proxies: PeerSelector(gateway["proxies"]!),
                    position: gateway.position)
        }
        database = root["database"].map { database in
            Database(host: database["host"]!.string, port: database["port"]!.int,
                     name: database["name"]!.string, user: database["user"]!.string,
                     passwordSecret: SecretKeyReference(database["passwordSecret"]!), peer: PeerSelector(database))
        }
        pooler = root["pooler"].map { pooler in
            Pooler(image: ImageReference(pooler["image"]!.string)!, replicas: pooler["replicas"]!.int,
                   maxClientConnections: pooler["maxClientConnections"]!.int,
                   defaultPoolSize: pooler["defaultPoolSize"]!.int,
                   userlistSecret: SecretKeyReference(pooler["userlistSecret"]!), position: pooler.position)
        }
        broker = root["broker"].map { Broker(peer: PeerSelector($0), port: $0["port"]!.int) }
        argoCD = root["argocd"].map { argo in
            let chart = argo["chart"]!
            return ArgoCD(namespace: argo["namespace"]!.string, project: argo["project"]!.string,
                          chart: ChartSource(repoURL: chart["repoURL"]!.string, chart: chart["chart"]?.string,
                                             path: chart["path"]?.string, version: chart["version"]!.string),
                          customerRepository: Repository(repoURL: argo["app"]!["repoURL"]!.string,
                                                         revision: argo["app"]!["revision"]!.string),
                          valuesFile: argo["app"]!["valuesFile"]!.string)
        }
    }
}
