import DjinitSettings

/// CPU and memory a container asks for; what is unset comes from the platform's defaults.
public struct ResourceRequest: Sendable {
    public var cpuRequest: Located<Quantity>?
    public var memoryRequest: Located<Quantity>?
    public var cpuLimit: Located<Quantity>?
    public var memoryLimit: Located<Quantity>?

    static let shape = Shape.object([
        Field("requests", pair, "What the scheduler reserves for the container."),
        Field("limits", pair, "The most the container may use; memory beyond it is an OOM kill."),
    ])

    private static let pair = Shape.object([
        Field("cpu", .quantity(.cpu), "CPU cores, e.g. 250m."),
        Field("memory", .quantity(.bytes), "Memory, e.g. 512Mi."),
    ])

    init(_ checked: Checked?) {
        func quantity(_ value: Checked?, _ kind: QuantityKind) -> Located<Quantity>? {
            value.flatMap { value in Quantity(value.quantityText, kind: kind).map { value.located($0) } }
        }
        cpuRequest = quantity(checked?["requests"]?["cpu"], .cpu)
        memoryRequest = quantity(checked?["requests"]?["memory"], .bytes)
        cpuLimit = quantity(checked?["limits"]?["cpu"], .cpu)
        memoryLimit = quantity(checked?["limits"]?["memory"], .bytes)
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
    }

    public struct Autoscaling: Sendable {
        public var minReplicas: Located<Int>
        public var maxReplicas: Located<Int>
        public var targetCPUUtilization: Int
    }

    public struct Worker: Sendable {
        public var replicas: Located<Int>
        public var resources: ResourceRequest
    }

    public struct Beat: Sendable {
        public var command: [String]
        public var resources: ResourceRequest
    }

    public struct CronJob: Sendable {
        public var name: String
        public var schedule: String
        /// Arguments of `manage.py`, e.g. `["clearsessions"]`.
        public var command: [String]
        public var deadline: Duration
        public var resources: ResourceRequest
    }

    public struct Volume: Sendable {
        public var size: Located<Quantity>
        public var mountPath: Located<String>
        public var position: Position
    }


    static let replicas = Shape.integer(1...100)

    /// Everything app.yaml may hold; any other key is an error.
    public static let shape = Shape.object([
        Field("name", .text(Rules.dnsLabel(maxLength: 30)), required: true,
              "The application's name: names and labels every object."),
        Field("image", .text(Rules.image), required: true,
              "The container image, pinned by tag or, better, by digest (image@sha256:...)."),
        Field("hosts", .list(.text(Rules.hostname), count: 1...16),
              "Host names served over HTTPS (at most 16, as an HTTPRoute takes); without them the app is not exposed."),
        Field("ingress", .object([
            Field("annotations", .dictionary(key: Rules.metadataKey, value: .text(Rules.anyText)),
                  "Ingress annotations, limited to those platform.yaml allows (none when it routes through a Gateway)."),
        ]), "Settings of the Ingress."),
        Field("imagePullSecret", .object([
            Field("encryptedDockerConfigJson", .text(Rules.ciphertext), required: true,
                  "The registry's .dockerconfigjson, sealed with kubeseal --raw."),
        ]), "Credentials of a private registry, sealed."),
        Field("secrets", .dictionary(key: Rules.variableName, value: .text(Rules.ciphertext)),
              "Secret variables, sealed with kubeseal --raw: they reach the app as files djinit turns into variables."),
        Field("config", .environment,
              "Plain environment variables (quote every value); DJINIT_* names must be djinit settings."),
        Field("web", .object([
            Field("replicas", replicas, "Fixed number of web pods (instead of autoscaling)."),
            Field("autoscaling", .object([
                Field("minReplicas", replicas, required: true, "Fewest web pods."),
                Field("maxReplicas", replicas, required: true, "Most web pods."),
                Field("targetCPUUtilization", .integer(1...100), default: 70,
                      "Average CPU use, in percent of the request, the autoscaler aims for."),
            ]), "Scale the web pods on CPU use (instead of fixed replicas)."),
            Field("resources", ResourceRequest.shape, "CPU and memory of each web pod."),
        ]), "The web server: djinit run (gunicorn)."),
        Field("worker", .object([
            Field("replicas", replicas, default: 1, "Number of worker pods."),
            Field("resources", ResourceRequest.shape, "CPU and memory of each worker pod."),
        ]), "Background workers: djinit async. Omit for none."),
        Field("beat", .object([
            Field("command", .list(.text(Rules.nonEmptyText), count: 1...100), required: true,
                  "The scheduler's command, e.g. [celery, -A, shop, beat]."),
            Field("resources", ResourceRequest.shape, "CPU and memory of the beat pod."),
        ]), "A periodic-task scheduler, run once (never two at a time)."),
        Field("cronJobs", .list(.object([
            Field("name", .text(Rules.dnsLabel(maxLength: 20)), required: true, "Names the CronJob."),
            Field("schedule", .text(Rules.schedule), required: true, "When it runs, in UTC."),
            Field("command", .list(.text(Rules.nonEmptyText), count: 1...100), required: true,
                  "manage.py's arguments, e.g. [clearsessions]."),
            Field("deadline", .text(Rules.duration), default: "1h", "How long one run may take before it is stopped."),
            Field("resources", ResourceRequest.shape, "CPU and memory of each run."),
        ]), count: 0...50), "Management commands on a schedule, each through djinit exec (at most 50)."),
        Field("volume", .object([
            Field("size", .quantity(.bytes), required: true, "Size of the volume, e.g. 5Gi."),
            Field("mountPath", .text(Rules.absolutePath), required: true,
                  "Where the web pods (and workers, on shared storage) see it, e.g. /app/media."),
        ]), "A persistent volume for media or static files; its access mode, from platform.yaml, bounds scaling."),
    ])

    /// Reads and checks app.yaml's text; `file` names it in errors.
    /// - Throws: `InputError` naming file, line and key of every problem.
    public init(yaml text: String, file: String) throws(InputError) {
        let root = try AppSpec.shape.read(text, file: file)
        self.init(root)
    }

    init(_ root: Checked) {
        name = root["name"]!.located(root["name"]!.string)
        image = root["image"]!.located(ImageReference(root["image"]!.string)!)
        hosts = root["hosts"]?.items.map { $0.located($0.string) } ?? []
        ingressAnnotations = root["ingress"]?["annotations"]?.entries.map { entry in
            (Located(entry.key, at: entry.value.position), entry.value.string)
        } ?? []
        encryptedPullSecret = root["imagePullSecret"]?["encryptedDockerConfigJson"]?.string
        secrets = root["secrets"]?.entries.map { (Located($0.key, at: $0.value.position), $0.value.string) } ?? []
        config = root["config"]?.entries.map { (Located($0.key, at: $0.value.position), $0.value.string) } ?? []
        let web = root["web"]
        self.web = Web(
            replicas: web?["replicas"].map { $0.located($0.int) },
            autoscaling: web?["autoscaling"].map { scaling in
                Autoscaling(minReplicas: scaling["minReplicas"]!.located(scaling["minReplicas"]!.int),
                            maxReplicas: scaling["maxReplicas"]!.located(scaling["maxReplicas"]!.int),
                            targetCPUUtilization: scaling["targetCPUUtilization"]!.int)
            },
            resources: ResourceRequest(web?["resources"]),
            position: web?.position ?? root.position)
        worker = root["worker"].map { worker in
            Worker(replicas: worker["replicas"]!.located(worker["replicas"]!.int), resources: ResourceRequest(worker["resources"]))
        }
        beat = root["beat"].map { beat in
            Beat(command: beat["command"]!.strings, resources: ResourceRequest(beat["resources"]))
        }
        cronJobs = root["cronJobs"]?.items.map { job in
            CronJob(name: job["name"]!.string, schedule: job["schedule"]!.string, command: job["command"]!.strings,
                    deadline: try! Duration.parse(job["deadline"]!.string),
                    resources: ResourceRequest(job["resources"]))
        } ?? []
        volume = root["volume"].map { volume in
            Volume(size: volume["size"]!.located(Quantity(volume["size"]!.quantityText, kind: .bytes)!),
                   mountPath: volume["mountPath"]!.located(volume["mountPath"]!.string), position: volume.position)
        }
    }
}
