import DjinitSettings

/// CPU and memory a container asks for; what is unset comes from the platform's defaults.
public struct ResourceRequest: Sendable {
    public var cpuRequest: Located<Quantity>?
    public var memoryRequest: Located<Quantity>?
    public var cpuLimit: Located<Quantity>?
    public var memoryLimit: Located<Quantity>?

    private enum Keys {
        static let cpu = Key.quantity("cpu", .cpu, "CPU cores, e.g. 250m.")
        static let memory = Key.quantity("memory", .bytes, "Memory, e.g. 512Mi.")
        static let requests = Key.object("requests", [cpu.field, memory.field], "What the scheduler reserves for the container.")
        static let limits = Key.object("limits", [cpu.field, memory.field],
                                       "The most the container may use; memory beyond it is an OOM kill.")
    }

    /// The `resources` key of a section, described for that section's pods.
    static func key(_ summary: String) -> Key<Checked> {
        Key.object("resources", [Keys.requests.field, Keys.limits.field], summary)
    }

    /// Nothing asked for: every value from the platform's defaults.
    static let none = ResourceRequest(nil)

    init(_ checked: Checked?) {
        let requests = checked?[Keys.requests]
        let limits = checked?[Keys.limits]
        cpuRequest = requests?.located(Keys.cpu)
        memoryRequest = requests?.located(Keys.memory)
        cpuLimit = limits?.located(Keys.cpu)
        memoryLimit = limits?.located(Keys.memory)
    }
}

/// The customer's `app.yaml`: what the application is and how it runs, within the platform's bounds.
public struct AppSpec: Sendable {
    public var name: Located<String>
    public var image: Located<ImageReference>
    /// Host names the Ingress serves, each with a TLS certificate.
    public var hosts: [Located<String>]
    public var ingressAnnotations: [(key: Located<String>, value: String)]
    /// Ciphertext of the registry's `.dockerconfigjson`, when the image is private.
    public var encryptedPullSecret: String?
    /// Secret name to ciphertext, for the SealedSecret.
    public var secrets: [(name: Located<String>, ciphertext: String)]
    /// Plain settings for the ConfigMap, in file order.
    public var config: [(name: Located<String>, value: String)]
    public var web: Web
    public var worker: Worker?
    public var beat: Beat?
    public var cronJobs: [CronJob]
    public var volume: Volume?

    public struct Web: Sendable {
        public var replicas: Located<Int>?
        public var autoscaling: Autoscaling?
        public var resources: ResourceRequest
        /// Where the web section is, for errors about it as a whole.
        public var position: Position

        fileprivate enum Keys {
            static let replicas = Key.integer("replicas", AppSpec.replicaRange, "Fixed number of web pods (instead of autoscaling).")
            static let autoscaling = Key.object("autoscaling", Autoscaling.Keys.all,
                                                "Scale the web pods on CPU use (instead of fixed replicas).")
            static let resources = ResourceRequest.key("CPU and memory of each web pod.")
        }

        /// `web`, or the defaults when app.yaml has no such section.
        fileprivate init(_ checked: Checked?, in root: Checked) {
            replicas = checked?.located(Keys.replicas)
            autoscaling = checked?[Keys.autoscaling].map(Autoscaling.init)
            resources = ResourceRequest(checked?[Keys.resources])
            position = checked?.position ?? root.position
        }
    }

    public struct Autoscaling: Sendable {
        public var minReplicas: Located<Int>
        public var maxReplicas: Located<Int>
        public var targetCPUUtilization: Int

        fileprivate enum Keys {
            static let minReplicas = Key.integer("minReplicas", AppSpec.replicaRange, required: true, "Fewest web pods.")
            static let maxReplicas = Key.integer("maxReplicas", AppSpec.replicaRange, required: true, "Most web pods.")
            static let targetCPUUtilization = Key.integer("targetCPUUtilization", 1...100, default: 70,
                                                          "Average CPU use, in percent of the request, the autoscaler aims for.")
            static let all = [minReplicas.field, maxReplicas.field, targetCPUUtilization.field]
        }

        fileprivate init(_ checked: Checked) {
            minReplicas = checked.locatedValue(of: Keys.minReplicas)
            maxReplicas = checked.locatedValue(of: Keys.maxReplicas)
            targetCPUUtilization = checked.value(of: Keys.targetCPUUtilization)
        }
    }

    public struct Worker: Sendable {
        public var replicas: Located<Int>
        /// Where app.yaml writes `replicas` itself: with `autoscaling` too, an error.
        public var writtenReplicas: Position?
        public var autoscaling: WorkerAutoscaling?
        public var resources: ResourceRequest

        fileprivate enum Keys {
            static let replicas = Key.integer("replicas", AppSpec.replicaRange, default: 1, "Number of worker pods.")
            static let autoscaling = Key.object("autoscaling", WorkerAutoscaling.Keys.all,
                                                "Scale the workers on the length of their queues (instead of fixed replicas).")
            static let resources = ResourceRequest.key("CPU and memory of each worker pod.")
        }

        fileprivate init(_ checked: Checked) {
            replicas = checked.locatedValue(of: Keys.replicas)
            writtenReplicas = checked.writes(Keys.replicas) ? replicas.position : nil
            autoscaling = checked[Keys.autoscaling].map(WorkerAutoscaling.init)
            resources = ResourceRequest(checked[Keys.resources])
        }
    }

    /// Workers scaled on queue length, within these bounds.
    public struct WorkerAutoscaling: Sendable {
        public var minReplicas: Located<Int>
        public var maxReplicas: Located<Int>
        public var position: Position

        fileprivate enum Keys {
            static let minReplicas = Key.integer("minReplicas", 0...100, required: true,
                                                 "Fewest worker pods; 0 where the platform lets workers scale to zero.")
            static let maxReplicas = Key.integer("maxReplicas", AppSpec.replicaRange, required: true, "Most worker pods.")
            static let all = [minReplicas.field, maxReplicas.field]
        }

        fileprivate init(_ checked: Checked) {
            minReplicas = checked.locatedValue(of: Keys.minReplicas)
            maxReplicas = checked.locatedValue(of: Keys.maxReplicas)
            position = checked.position
        }
    }

    public struct Beat: Sendable {
        /// The scheduler's command line; nil for `djinit beat`'s own, Celery beat for the app.
        public var command: [String]?
        public var resources: ResourceRequest
        public var position: Position

        fileprivate enum Keys {
            static let command = Key.list("command", of: .text(Rules.nonEmptyText), count: 1...100,
                                          "The scheduler's command, e.g. [celery, -A, shop, beat], run by djinit beat under its lock. "
                                              + "Omitted: Celery beat for the app (DJINIT_CELERY_APP, DJINIT_BEAT_ARGS).")
            static let resources = ResourceRequest.key("CPU and memory of the beat pod.")
        }

        fileprivate init(_ checked: Checked) {
            command = checked[Keys.command]?.map(\.string)
            resources = ResourceRequest(checked[Keys.resources])
            position = checked.position
        }
    }

    public struct CronJob: Sendable {
        public var name: String
        public var schedule: String
        /// Arguments of `manage.py`, e.g. `["clearsessions"]`.
        public var command: [String]
        public var deadline: Duration
        public var resources: ResourceRequest

        fileprivate enum Keys {
            static let name = Key.text("name", Rules.dnsLabel(maxLength: 20), required: true, "Names the CronJob.")
            static let schedule = Key.text("schedule", Rules.schedule, required: true, "When it runs, in UTC.")
            static let command = Key.list("command", of: .text(Rules.nonEmptyText), count: 1...100, required: true,
                                          "manage.py's arguments, e.g. [clearsessions].")
            static let deadline = Key.parsed("deadline", Rules.duration, default: "1h",
                                             "How long one run may take before it is stopped.") { try? Duration.parse($0) }
            static let resources = ResourceRequest.key("CPU and memory of each run.")
            static let all = [name.field, schedule.field, command.field, deadline.field, resources.field]
        }

        fileprivate init(_ checked: Checked) {
            name = checked.value(of: Keys.name)
            schedule = checked.value(of: Keys.schedule)
            command = checked.value(of: Keys.command).map(\.string)
            deadline = checked.value(of: Keys.deadline)
            resources = ResourceRequest(checked[Keys.resources])
        }
    }

    public struct Volume: Sendable {
        public var size: Located<Quantity>
        public var mountPath: Located<String>
        public var position: Position

        fileprivate enum Keys {
            static let size = Key.quantity("size", .bytes, required: true, "Size of the volume, e.g. 5Gi.")
            static let mountPath = Key.text("mountPath", Rules.absolutePath, required: true,
                                            "Where the web pods (and workers, on shared storage) see it, e.g. /app/media.")
        }

        fileprivate init(_ checked: Checked) {
            size = checked.locatedValue(of: Keys.size)
            mountPath = checked.locatedValue(of: Keys.mountPath)
            position = checked.position
        }
    }

    static let replicaRange = 1...100

    /// The keys of app.yaml, each with what its value reads as.
    private enum Keys {
        static let name = Key.text("name", Rules.dnsLabel(maxLength: 30), required: true,
                                   "The application's name: names and labels every object.")
        static let image = Key.parsed("image", Rules.image, required: true,
                                      "The container image, pinned by tag or, better, by digest (image@sha256:...).",
                                      ImageReference.init)
        static let hosts = Key.list("hosts", of: .text(Rules.hostname), count: 1...16,
                                    "Host names served over HTTPS (at most 16, as an HTTPRoute takes); without them the app is not exposed.")
        static let annotations = Key.dictionary("annotations", key: Rules.metadataKey, value: .text(Rules.anyText),
                                                "Ingress annotations, limited to those platform.yaml allows (none when it routes through a Gateway).")
        static let ingress = Key.object("ingress", [annotations.field], "Settings of the Ingress.")
        static let encryptedDockerConfigJson = Key.text("encryptedDockerConfigJson", Rules.ciphertext, required: true,
                                                        "The registry's .dockerconfigjson, sealed with kubeseal --raw.")
        static let imagePullSecret = Key.object("imagePullSecret", [encryptedDockerConfigJson.field],
                                                "Credentials of a private registry, sealed.")
        static let secrets = Key.dictionary("secrets", key: Rules.variableName, value: .text(Rules.ciphertext),
                                            "Secret variables, sealed with kubeseal --raw: they reach the app as files djinit turns into variables.")
        static let config = Key.environment("config",
                                            "Plain environment variables (quote every value); DJINIT_* names must be djinit settings.")
        static let web = Key.object("web", [Web.Keys.replicas.field, Web.Keys.autoscaling.field, Web.Keys.resources.field],
                                    "The web server: djinit run (gunicorn).")
        static let worker = Key.object("worker", [Worker.Keys.replicas.field, Worker.Keys.autoscaling.field, Worker.Keys.resources.field],
                                       "Background workers: djinit async. Omit for none.")
        static let beat = Key.object("beat", [Beat.Keys.command.field, Beat.Keys.resources.field],
                                     "A periodic-task scheduler, run once (never two at a time).")
        static let cronJobs = Key.list("cronJobs", of: .object(CronJob.Keys.all), count: 0...50,
                                       "Management commands on a schedule, each through djinit exec (at most 50).")
        static let volume = Key.object("volume", [Volume.Keys.size.field, Volume.Keys.mountPath.field],
                                       "A persistent volume for media or static files; its access mode, from platform.yaml, bounds scaling.")
    }

    /// Everything app.yaml may hold; any other key is an error.
    public static let shape = Shape.object([
        Keys.name.field, Keys.image.field, Keys.hosts.field, Keys.ingress.field, Keys.imagePullSecret.field,
        Keys.secrets.field, Keys.config.field, Keys.web.field, Keys.worker.field, Keys.beat.field, Keys.cronJobs.field,
        Keys.volume.field,
    ])

    /// `config` as an environment, as djinit reads it.
    var configEnvironment: Environment {
        Environment(config.map { (name: $0.name.value, value: $0.value) })
    }

    /// Reads and checks app.yaml's text; `file` names it in errors.
    /// - Throws: `InputError` naming file, line and key of every problem.
    public init(yaml text: String, file: String) throws(InputError) {
        let root = try AppSpec.shape.read(text, file: file)
        self.init(root)
    }

    init(_ root: Checked) {
        name = root.locatedValue(of: Keys.name)
        image = root.locatedValue(of: Keys.image)
        hosts = root[Keys.hosts]?.map { $0.located($0.string) } ?? []
        ingressAnnotations = root[Keys.ingress]?[Keys.annotations]?.map { entry in
            (Located(entry.key, at: entry.value.position), entry.value.string)
        } ?? []
        encryptedPullSecret = root[Keys.imagePullSecret]?.value(of: Keys.encryptedDockerConfigJson)
        secrets = root[Keys.secrets]?.map { (Located($0.key, at: $0.value.position), $0.value.string) } ?? []
        config = root[Keys.config]?.map { (Located($0.key, at: $0.value.position), $0.value.string) } ?? []
        web = Web(root[Keys.web], in: root)
        worker = root[Keys.worker].map(Worker.init)
        beat = root[Keys.beat].map(Beat.init)
        cronJobs = root[Keys.cronJobs]?.map(CronJob.init) ?? []
        volume = root[Keys.volume].map(Volume.init)
    }
}
