import DjinitSettings

/// How KEDA's PostgreSQL trigger connects: libpq's `sslmode`, less the modes Go's drivers lack.
public enum DatabaseSSLMode: String, Sendable, CaseIterable {
    case disable
    case require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"
}

/// What the web pods scale on, when app.yaml asks for autoscaling.
public enum WebScalingMetric: String, Sendable, CaseIterable {
    /// CPU use, by the HorizontalPodAutoscaler: right for CPU-bound views, blind to a worker that
    /// waits on the database.
    case cpu
    /// djinit's busy-worker utilisation (`djinit_gunicorn_worker_utilization`), through KEDA's
    /// Prometheus trigger: a worker waiting on the database is busy too.
    case utilization
    /// The connections waiting in gunicorn's accept queue (`djinit_http_backlog`), through KEDA:
    /// works for every worker class, and reacts only once the workers are all busy.
    case backlog
}

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

    private enum Keys {
        static let name = Key.text("name", Rules.dnsLabel(maxLength: 253), required: true, "The Secret's name, in the app's namespace.")
        static let key = Key.text("key", Rules.secretKey, required: true, "The key within it.")
    }

    /// A key naming such a reference.
    static func key(_ name: String, required: Bool = true, _ summary: String) -> Key<SecretKeyReference> {
        Key(Field(name, .object([Keys.name.field, Keys.key.field]), required: required, summary), read: SecretKeyReference.init)
    }

    private init(_ checked: Checked) {
        name = checked.value(of: Keys.name)
        key = checked.value(of: Keys.key)
    }
}

/// Pods somewhere in the cluster, for NetworkPolicies: a namespace and a label selector.
public struct PeerSelector: Sendable {
    public var namespace: String
    public var labels: [(String, String)]

    private enum Keys {
        static let namespace = Key.text("namespace", Rules.dnsLabel(maxLength: 63), required: true, "The namespace the pods run in.")
        static let podSelector = Key.dictionary("podSelector", key: Rules.metadataKey, value: .text(Rules.labelValue),
                                                required: true, "Labels that select the pods.")
    }

    /// The keys of a selector, for a section that is one (or holds one beside other keys).
    static let fields = [Keys.namespace.field, Keys.podSelector.field]

    /// A key whose value is a selector.
    static func key(_ name: String, _ summary: String) -> Key<PeerSelector> {
        Key(Field(name, .object(fields), required: true, summary), read: PeerSelector.init)
    }

    /// The selector's keys in `checked`.
    init(_ checked: Checked) {
        namespace = checked.value(of: Keys.namespace)
        labels = checked.value(of: Keys.podSelector).map { ($0.key, $0.value.string) }
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
    /// An image holding djinit (docker/Dockerfile's `djinit` target) that an init container copies
    /// into every app pod, for app images built without djinit.
    public var djinitImage: Located<ImageReference>?
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
    public var monitoring: Monitoring?
    public var autoscaling: Autoscaling
    public var argoCD: ArgoCD?

    public struct Quota: Sendable {
        public var cpu: Quantity
        public var memory: Quantity
        public var storage: Quantity?
        public var pods: Int

        fileprivate enum Keys {
            static let cpu = Key.quantity("cpu", .cpu, required: true, "CPU of all pods together (requests and limits).")
            static let memory = Key.quantity("memory", .bytes, required: true, "Memory of all pods together.")
            static let storage = Key.quantity("storage", .bytes, "Storage of all volumes together.")
            static let pods = Key.integer("pods", 1...10000, required: true, "Number of pods.")
            static let all = [cpu.field, memory.field, storage.field, pods.field]
        }

        fileprivate init(_ checked: Checked) {
            cpu = checked.value(of: Keys.cpu)
            memory = checked.value(of: Keys.memory)
            storage = checked[Keys.storage]
            pods = checked.value(of: Keys.pods)
        }
    }

    public struct Storage: Sendable {
        public var className: String
        public var accessMode: Located<AccessMode>
        public var maxSize: Located<Quantity>

        fileprivate enum Keys {
            static let className = Key.text("className", Rules.dnsLabel(maxLength: 253), required: true,
                                            "The StorageClass of the app's volume.")
            static let accessMode = Key<AccessMode>.choice("accessMode", required: true,
                                                          "ReadWriteOnce pins the web to one pod; ReadWriteMany lets it scale.")
            static let maxSize = Key.quantity("maxSize", .bytes, required: true, "The largest volume app.yaml may ask for.")
            static let all = [className.field, accessMode.field, maxSize.field]
        }

        fileprivate init(_ checked: Checked) {
            className = checked.value(of: Keys.className)
            accessMode = checked.locatedValue(of: Keys.accessMode)
            maxSize = checked.locatedValue(of: Keys.maxSize)
        }
    }

    public struct Ingress: Sendable {
        public var className: String
        public var clusterIssuer: String
        public var controller: PeerSelector
        public var allowedAnnotations: [String]

        fileprivate enum Keys {
            static let className = Key.text("className", Rules.dnsLabel(maxLength: 253), required: true, "The IngressClass.")
            static let clusterIssuer = Key.text("clusterIssuer", Rules.dnsLabel(maxLength: 253), required: true,
                                                "The cert-manager ClusterIssuer that issues the TLS certificates.")
            static let controller = PeerSelector.key("controller",
                                                     "The ingress controller's pods: the only ones allowed to reach the web pods.")
            static let allowedAnnotations = Key.texts("allowedAnnotations", Rules.metadataKey, count: 0...100, default: [],
                                                      "Ingress annotations app.yaml may set (never *-snippet ones).")
            static let all = [className.field, clusterIssuer.field, controller.field, allowedAnnotations.field]
        }

        fileprivate init(_ checked: Checked) {
            className = checked.value(of: Keys.className)
            clusterIssuer = checked.value(of: Keys.clusterIssuer)
            controller = checked.value(of: Keys.controller)
            allowedAnnotations = checked.value(of: Keys.allowedAnnotations)
        }
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

        fileprivate enum Keys {
            static let name = Key.text("name", Rules.dnsLabel(maxLength: 253), required: true, "The Gateway the app's HTTPRoute attaches to.")
            static let namespace = Key.text("namespace", Rules.dnsLabel(maxLength: 63), required: true, "The Gateway's namespace.")
            static let listener = Key.text("listener", Rules.dnsLabel(maxLength: 253), required: true,
                                           "The Gateway's HTTPS listener (the route's sectionName): TLS ends there, with the hoster's certificate.")
            static let proxies = PeerSelector.key("proxies", "The Gateway's proxy pods: the only ones allowed to reach the web pods.")
            static let all = [name.field, namespace.field, listener.field, proxies.field]
        }

        fileprivate init(_ checked: Checked) {
            name = checked.value(of: Keys.name)
            namespace = checked.value(of: Keys.namespace)
            listener = checked.value(of: Keys.listener)
            proxies = checked.value(of: Keys.proxies)
            position = checked.position
        }
    }

    public struct Database: Sendable {
        public var host: String
        public var port: Int
        public var name: String
        public var user: String
        public var passwordSecret: SecretKeyReference
        public var sslMode: DatabaseSSLMode
        public var peer: PeerSelector

        fileprivate enum Keys {
            static let host = Key.text("host", Rules.hostname, required: true, "PostgreSQL's host name.")
            static let port = Key.integer("port", PlatformSpec.portRange, default: 5432, "PostgreSQL's port.")
            static let name = Key.text("name", Rules.postgresName, required: true, "The database.")
            static let user = Key.text("user", Rules.postgresName, required: true, "The role the app connects as.")
            static let passwordSecret = SecretKeyReference.key(
                "passwordSecret", "Where that role's password is: it reaches the app as PGPASSWORD, through the secrets directory.")
            static let sslMode = Key<DatabaseSSLMode>.choice(
                "sslMode", default: .require, "How KEDA connects to count django-q2's queue: its sslmode (djinit's own connections follow the URL).")
            static let all = [host.field, port.field, name.field, user.field, passwordSecret.field, sslMode.field] + PeerSelector.fields
        }

        fileprivate init(_ checked: Checked) {
            host = checked.value(of: Keys.host)
            port = checked.value(of: Keys.port)
            name = checked.value(of: Keys.name)
            user = checked.value(of: Keys.user)
            passwordSecret = checked.value(of: Keys.passwordSecret)
            sslMode = checked.value(of: Keys.sslMode)
            peer = PeerSelector(checked)
        }
    }

    public struct Pooler: Sendable {
        public var image: ImageReference
        public var replicas: Int
        public var maxClientConnections: Int
        public var defaultPoolSize: Int
        /// PgBouncer's `auth_file`: `"user" "password-or-SCRAM-secret"` lines.
        public var userlistSecret: SecretKeyReference
        public var position: Position

        fileprivate enum Keys {
            static let image = Key.parsed("image", Rules.image, required: true,
                                          "A PgBouncer image (1.21 or later) with pgbouncer on PATH.", ImageReference.init)
            static let replicas = Key.integer("replicas", 1...20, default: 2, "PgBouncer pods.")
            static let maxClientConnections = Key.integer("maxClientConnections", 1...100_000, default: 200,
                                                          "PgBouncer's max_client_conn.")
            static let defaultPoolSize = Key.integer("defaultPoolSize", 1...10_000, default: 20, "PgBouncer's default_pool_size.")
            static let userlistSecret = SecretKeyReference.key("userlistSecret", "PgBouncer's auth_file.")
            static let all = [image.field, replicas.field, maxClientConnections.field, defaultPoolSize.field, userlistSecret.field]
        }

        fileprivate init(_ checked: Checked) {
            image = checked.value(of: Keys.image)
            replicas = checked.value(of: Keys.replicas)
            maxClientConnections = checked.value(of: Keys.maxClientConnections)
            defaultPoolSize = checked.value(of: Keys.defaultPoolSize)
            userlistSecret = checked.value(of: Keys.userlistSecret)
            position = checked.position
        }
    }

    public struct Broker: Sendable {
        public var peer: PeerSelector
        public var port: Int
        /// Where KEDA reaches Redis, for queue-length autoscaling of Celery workers.
        public var host: String?
        public var database: Int
        public var passwordSecret: SecretKeyReference?
        public var position: Position

        fileprivate enum Keys {
            static let port = Key.integer("port", PlatformSpec.portRange, required: true, "The broker's port, e.g. 6379.")
            static let host = Key.text("host", Rules.hostname, "The broker's host name, for KEDA: needed to scale Celery workers on queue length.")
            static let database = Key.integer("database", 0...1000, default: 0, "The Redis database the queues are in.")
            static let passwordSecret = SecretKeyReference.key(
                "passwordSecret", required: false, "Redis' password, for KEDA's TriggerAuthentication (never written into a trigger).")
            static let all = PeerSelector.fields + [port.field, host.field, database.field, passwordSecret.field]
        }

        fileprivate init(_ checked: Checked) {
            peer = PeerSelector(checked)
            port = checked.value(of: Keys.port)
            host = checked[Keys.host]
            database = checked.value(of: Keys.database)
            passwordSecret = checked[Keys.passwordSecret]
            position = checked.position
        }
    }

    /// Prometheus, which scrapes djinit's `/metrics`.
    public struct Monitoring: Sendable {
        /// Prometheus' pods: allowed through the NetworkPolicies to the probe port.
        public var scraper: PeerSelector
        public var podMonitor: Bool
        public var podMonitorLabels: [(String, String)]
        /// Where KEDA queries Prometheus.
        public var prometheus: String?

        fileprivate enum Keys {
            static let podMonitor = Key.boolean("podMonitor", default: true,
                                                "Write a PodMonitor (prometheus-operator) for the pods that serve /metrics.")
            static let podMonitorLabels = Key.dictionary("podMonitorLabels", key: Rules.metadataKey, value: .text(Rules.labelValue),
                                                         "Labels the Prometheus selects PodMonitors by, such as release: prometheus.")
            static let prometheus = Key.text("prometheus", Rules.serviceURL,
                                             "Prometheus' address for KEDA's Prometheus trigger: needed to scale the web on utilization or backlog.")
            static let all = PeerSelector.fields + [podMonitor.field, podMonitorLabels.field, prometheus.field]
        }

        fileprivate init(_ checked: Checked) {
            scraper = PeerSelector(checked)
            podMonitor = checked.value(of: Keys.podMonitor)
            podMonitorLabels = checked[Keys.podMonitorLabels]?.map { ($0.key, $0.value.string) } ?? []
            prometheus = checked[Keys.prometheus]
        }
    }

    /// How the hoster lets pods scale, for apps that ask for autoscaling.
    public struct Autoscaling: Sendable {
        public var web: Located<WebScalingMetric>
        /// Utilisation, in percent, the web's autoscaler aims for.
        public var utilizationTarget: Int
        /// Connections waiting per web pod the autoscaler aims for.
        public var backlogTarget: Int
        /// Tasks waiting per worker pod the autoscaler aims for.
        public var queueLengthTarget: Int
        public var workersToZero: Located<Bool>

        fileprivate enum Keys {
            static let web = Key<WebScalingMetric>.choice("web", default: .cpu,
                                                          "What the web scales on: cpu (a HorizontalPodAutoscaler), or through KEDA utilization or backlog.")
            static let utilizationTarget = Key.integer("utilizationTarget", 1...100, default: 70,
                                                       "For utilization: the share of busy workers, in percent, to aim for.")
            static let backlogTarget = Key.integer("backlogTarget", 1...10_000, default: 5,
                                                   "For backlog: the connections waiting per web pod to aim for.")
            static let queueLengthTarget = Key.integer("queueLengthTarget", 1...100_000, default: 20,
                                                       "Tasks waiting per worker pod to aim for, when app.yaml's worker autoscales.")
            static let workersToZero = Key.boolean("workersToZero", default: false,
                                                   "Let app.yaml scale its workers to zero while the queues are empty.")
            static let all = [web.field, utilizationTarget.field, backlogTarget.field, queueLengthTarget.field, workersToZero.field]
        }

        fileprivate init(_ checked: Checked) {
            web = checked.locatedValue(of: Keys.web)
            utilizationTarget = checked.value(of: Keys.utilizationTarget)
            backlogTarget = checked.value(of: Keys.backlogTarget)
            queueLengthTarget = checked.value(of: Keys.queueLengthTarget)
            workersToZero = checked.locatedValue(of: Keys.workersToZero)
        }
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

        fileprivate enum Keys {
            static let namespace = Key.text("namespace", Rules.dnsLabel(maxLength: 63), default: "argocd", "Where ArgoCD runs.")
            static let project = Key.text("project", Rules.dnsLabel(maxLength: 63), required: true,
                                          "The AppProject djinit-kube argocd writes for this app, its fence: the app's namespace and repositories only.")
            static let chart = Key.object("chart", ChartSource.Keys.all, required: true, "The djinit-app chart, pinned.")
            static let repoURL = Key.text("repoURL", Rules.repositoryURL, required: true, "The customer's Git repository.")
            static let revision = Key.text("revision", Rules.nonEmptyText, default: "HEAD", "The branch, tag or commit ArgoCD follows.")
            static let valuesFile = Key.text("valuesFile", Rules.relativePath, default: "app.yaml", "The path of app.yaml in it.")
            static let app = Key.object("app", [repoURL.field, revision.field, valuesFile.field], required: true,
                                        "The customer's repository, whose app.yaml is the chart's value file.")
            static let all = [namespace.field, project.field, chart.field, app.field]
        }

        fileprivate init(_ checked: Checked) {
            namespace = checked.value(of: Keys.namespace)
            project = checked.value(of: Keys.project)
            chart = ChartSource(checked.value(of: Keys.chart))
            let app = checked.value(of: Keys.app)
            customerRepository = Repository(repoURL: app.value(of: Keys.repoURL), revision: app.value(of: Keys.revision))
            valuesFile = app.value(of: Keys.valuesFile)
        }
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

        fileprivate enum Keys {
            static let repoURL = Key.text("repoURL", Rules.chartRepositoryURL, required: true,
                                          "The Helm or OCI repository holding the djinit-app chart, or the Git repository of its folder.")
            static let chart = Key.text("chart", Rules.dnsLabel(maxLength: 63), "The chart's name in a Helm or OCI repository.")
            static let path = Key.text("path", Rules.relativePath, "The chart's folder in a Git repository.")
            static let version = Key.text("version", Rules.nonEmptyText, required: true,
                                          "The chart version, or a Git tag or commit: pinned, never a branch that moves.")
            static let all = [repoURL.field, chart.field, path.field, version.field]
        }

        fileprivate init(_ checked: Checked) {
            repoURL = checked.value(of: Keys.repoURL)
            chart = checked[Keys.chart]
            path = checked[Keys.path]
            version = checked.value(of: Keys.version)
        }
    }

    /// A Git repository at a revision.
    public struct Repository: Sendable {
        public var repoURL: String
        public var revision: String
    }

    /// The UID containers run as unless platform.yaml says otherwise: above 10000, so that it
    /// matches no user of the node (checkov CKV_K8S_40).
    public static let defaultRunAsUser = 10001

    fileprivate static let portRange = 1...65535

    /// The keys of platform.yaml, each with what its value reads as.
    private enum Keys {
        static let namespace = Key.text("namespace", Rules.dnsLabel(maxLength: 63), required: true, "The namespace the app gets to itself.")
        static let djinitVersion = Key.parsed(
            "djinitVersion", Rules.djinitRelease, default: .string(Release.oldestSupported.description),
            "The oldest djinit the app's images (and those a rollback returns to) carry, as djinit --version prints it: "
                + "djinit refuses a setting it does not know, so the manifests set only those it knows.", Release.init)
        static let initStep = Key<InitStep>.choice(
            "initStep", default: .initContainer,
            "How djinit init runs: a Job run as an ArgoCD Sync hook (needs the argocd section), or an init container of the web pods.")
        static let requireImageDigest = Key.boolean("requireImageDigest", default: false, "Refuse images not pinned by digest.")
        static let djinitImage = Key.parsed(
            "djinitImage", Rules.image,
            "An image holding djinit at /djinit (docker/Dockerfile's djinit target): an init container copies it into every "
                + "app pod, which runs it from there, so the app's image needs no djinit of its own.", ImageReference.init)
        static let runAsUser = Key.integer("runAsUser", 10000...2_147_483_647, default: .int(defaultRunAsUser),
                                           "UID and GID of every container.")
        static let maxReplicas = Key.integer("maxReplicas", 1...100, required: true, "The most pods of one kind app.yaml may ask for.")
        static let cpu = Key.quantity("cpu", .cpu, required: true, "CPU cores, e.g. 250m.")
        static let memory = Key.quantity("memory", .bytes, required: true, "Memory, e.g. 512Mi.")
        static let requests = Key.object("requests", [cpu.field, memory.field], required: true,
                                         "Requests of a container app.yaml gives none for.")
        static let limits = Key.object("limits", [cpu.field, memory.field], required: true,
                                       "Limits of a container app.yaml gives none for.")
        static let defaults = Key.object("defaults", [requests.field, limits.field], required: true,
                                         "What a container gets unless app.yaml asks otherwise.")
        static let max = Key.object("max", [cpu.field, memory.field], required: true, "The most one container may ask for.")
        static let resources = Key.object("resources", [defaults.field, max.field], required: true, "Per-container CPU and memory.")
        static let quota = Key.object("quota", Quota.Keys.all, "A ResourceQuota for the namespace.")
        static let storage = Key.object("storage", Storage.Keys.all,
                                        "Where app.yaml's volume lives; without it app.yaml may not ask for one.")
        static let ingress = Key.object(
            "ingress", Ingress.Keys.all,
            "How the app is exposed through an Ingress and cert-manager; one of ingress and gateway is needed when app.yaml lists hosts.")
        static let gateway = Key.object("gateway", Gateway.Keys.all,
                                        "How the app is exposed through a Gateway API Gateway, as an HTTPRoute: instead of ingress.")
        static let database = Key.object("database", Database.Keys.all, "The PostgreSQL the app uses.")
        static let pooler = Key.object("pooler", Pooler.Keys.all,
                                       "A PgBouncer in transaction pooling between the app and PostgreSQL; needs database.")
        static let broker = Key.object("broker", Broker.Keys.all, "The task broker (Redis, RabbitMQ) the app and its workers reach.")
        static let monitoring = Key.object("monitoring", Monitoring.Keys.all,
                                           "The Prometheus that scrapes djinit's /metrics: allowed through the NetworkPolicies, and its PodMonitor.")
        static let autoscaling = Key.object("autoscaling", Autoscaling.Keys.all, default: [:],
                                            "What pods scale on when app.yaml asks for autoscaling, and the targets.")
        static let argocd = Key.object(
            "argocd", ArgoCD.Keys.all,
            "How ArgoCD delivers the app: djinit-kube argocd writes its Application and AppProject. With it, the init Job "
                + "is a Sync hook and every object has a sync wave.")
    }

    /// Everything platform.yaml may hold; any other key is an error.
    public static let shape = Shape.object([
        Keys.namespace.field, Keys.djinitVersion.field, Keys.initStep.field, Keys.requireImageDigest.field, Keys.djinitImage.field,
        Keys.runAsUser.field, Keys.maxReplicas.field, Keys.resources.field, Keys.quota.field, Keys.storage.field,
        Keys.ingress.field, Keys.gateway.field, Keys.database.field, Keys.pooler.field, Keys.broker.field,
        Keys.monitoring.field, Keys.autoscaling.field, Keys.argocd.field,
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
        namespace = root.value(of: Keys.namespace)
        djinitVersion = root.locatedValue(of: Keys.djinitVersion)
        initStep = root.locatedValue(of: Keys.initStep)
        requireImageDigest = root.value(of: Keys.requireImageDigest)
        djinitImage = root.located(Keys.djinitImage)
        runAsUser = root.value(of: Keys.runAsUser)
        maxReplicas = root.locatedValue(of: Keys.maxReplicas)
        let resources = root.value(of: Keys.resources)
        let defaults = resources.value(of: Keys.defaults)
        let requests = defaults.value(of: Keys.requests)
        let limits = defaults.value(of: Keys.limits)
        self.defaults = ResolvedResources(
            cpuRequest: requests.value(of: Keys.cpu), memoryRequest: requests.value(of: Keys.memory),
            cpuLimit: limits.value(of: Keys.cpu), memoryLimit: limits.value(of: Keys.memory))
        let max = resources.value(of: Keys.max)
        maxCPU = max.locatedValue(of: Keys.cpu)
        maxMemory = max.locatedValue(of: Keys.memory)
        quota = root[Keys.quota].map(Quota.init)
        storage = root[Keys.storage].map(Storage.init)
        ingress = root[Keys.ingress].map(Ingress.init)
        gateway = root[Keys.gateway].map(Gateway.init)
        database = root[Keys.database].map(Database.init)
        pooler = root[Keys.pooler].map(Pooler.init)
        broker = root[Keys.broker].map(Broker.init)
        monitoring = root[Keys.monitoring].map(Monitoring.init)
        autoscaling = Autoscaling(root.value(of: Keys.autoscaling))
        argoCD = root[Keys.argocd].map(ArgoCD.init)
    }
}
