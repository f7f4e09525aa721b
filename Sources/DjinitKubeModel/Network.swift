import DjinitSettings

/// Service, Ingress or HTTPRoute, NetworkPolicies and the PgBouncer pooler.
extension Renderer {
    // MARK: - Service, Ingress and HTTPRoute

    func webService() -> KubeObject {
        object(.service, webName, metadata: metadata(webName, .web, wave: .workloads),
               spec: [Tree.Entry("spec", [
                   "type": "ClusterIP",
                   "selector": selector(.web),
                   "ports": [["name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"]],
               ])])
    }

    func ingress() -> KubeObject? {
        guard !app.hosts.isEmpty, let ingress = platform.ingress else { return nil }
        let annotations = [("cert-manager.io/cluster-issuer", ingress.clusterIssuer)]
            + app.ingressAnnotations.map { ($0.key.value, $0.value) }
        let hosts = app.hosts.map { Tree.string($0.value) }
        let rules: [Tree] = app.hosts.map { host in
            [
                "host": .string(host.value),
                "http": ["paths": [[
                    "path": "/", "pathType": "Prefix",
                    "backend": ["service": ["name": .string(webName), "port": ["name": "http"]]],
                ]]],
            ]
        }
        return object(.ingress, name,
                      metadata: metadata(name, .web, wave: .workloads, annotations: annotations),
                      spec: [Tree.Entry("spec", [
                          "ingressClassName": .string(ingress.className),
                          // cert-manager issues the certificate into this Secret.
                          "tls": [["hosts": .list(hosts), "secretName": .string(name + "-tls")]],
                          "rules": .list(rules),
                      ])])
    }

    /// The route through the hoster's Gateway, attached to its HTTPS listener only. Fields the API
    /// server would default are written out, so that ArgoCD finds nothing to sync after applying.
    func httpRoute() -> KubeObject? {
        guard !app.hosts.isEmpty, let gateway = platform.gateway else { return nil }
        return object(.httpRoute, name,
                      metadata: metadata(name, .web, wave: .workloads),
                      spec: [Tree.Entry("spec", [
                          "parentRefs": [[
                              "group": .string(KubeKind.httpRoute.group), "kind": "Gateway",
                              "namespace": .string(gateway.namespace), "name": .string(gateway.name),
                              "sectionName": .string(gateway.listener),
                          ]],
                          "hostnames": .list(app.hosts.map { .string($0.value) }),
                          "rules": [[
                              "matches": [["path": ["type": "PathPrefix", "value": "/"]]],
                              "backendRefs": [[
                                  "group": "", "kind": "Service", "name": .string(webName), "port": 80, "weight": 1,
                              ]],
                          ]],
                      ])])
    }

    /// The pods that bring the outside in: the ingress controller's, or the Gateway's proxies.
    var edgeProxies: PeerSelector? {
        app.hosts.isEmpty ? nil : platform.ingress?.controller ?? platform.gateway?.proxies
    }

    // MARK: - NetworkPolicies

    /// Components that run the app's code, and so talk to the database and the broker.
    var appComponents: [Component] {
        var components: [Component] = [.web]
        if app.worker != nil { components.append(.worker) }
        if app.beat != nil { components.append(.beat) }
        if !app.cronJobs.isEmpty { components.append(.cron) }
        if platform.initStep.value == .job { components.append(.`init`) }
        return components
    }

    /// Pods matched by `peer` in another namespace.
    func peer(_ selector: PeerSelector) -> Tree {
        [
            "namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": .string(selector.namespace)]],
            "podSelector": ["matchLabels": .sortedStrings(selector.labels)],
        ]
    }

    func port(_ number: Int, _ protocolName: String = "TCP") -> Tree {
        ["protocol": .string(protocolName), "port": .int(number)]
    }

    func networkPolicy(_ suffix: String, podSelector: Tree, types: [String], ingress: [Tree] = [], egress: [Tree] = []) -> KubeObject {
        let objectName = name + "-" + suffix
        return object(.networkPolicy, objectName,
                      metadata: metadata(objectName, nil, wave: .prerequisites),
                      spec: [Tree.Entry("spec", [
                          "podSelector": podSelector,
                          "policyTypes": .list(types.map(Tree.string)),
                          "ingress": ingress.isEmpty ? nil : .list(ingress),
                          "egress": egress.isEmpty ? nil : .list(egress),
                      ])])
    }

    /// Deny everything, then allow exactly the paths the app needs: DNS; the ingress controller or
    /// the Gateway's proxies to the web; the app to PgBouncer and PgBouncer to PostgreSQL (or the
    /// app straight to PostgreSQL without a pooler); the lock holders straight to PostgreSQL;
    /// Prometheus to the probe port; the app to the broker.
    func networkPolicies() -> [KubeObject] {
        var policies = [
            networkPolicy("default-deny", podSelector: [:], types: ["Ingress", "Egress"]),
            networkPolicy("dns", podSelector: [:], types: ["Egress"], egress: [[
                "to": [[
                    "namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "kube-system"]],
                    "podSelector": ["matchLabels": ["k8s-app": "kube-dns"]],
                ]],
                "ports": [port(53, "UDP"), port(53, "TCP")],
            ]]),
        ]
        if let proxies = edgeProxies {
            policies.append(networkPolicy("web-from-ingress", podSelector: ["matchLabels": selector(.web)],
                                          types: ["Ingress"], ingress: [[
                                              "from": [peer(proxies)],
                                              "ports": [port(Int(plan.httpPort.number))],
                                          ]]))
        }
        if let database = platform.database {
            let toDatabase: Tree = ["to": [peer(database.peer)], "ports": [port(database.port)]]
            if platform.pooler != nil {
                let poolerPeer: Tree = ["podSelector": ["matchLabels": selector(.pgbouncer)]]
                let clients = selector(anyOf: appComponents)
                policies.append(networkPolicy("app-to-pgbouncer", podSelector: clients, types: ["Egress"],
                                              egress: [["to": [poolerPeer], "ports": [port(Plan.poolerPort)]]]))
                policies.append(networkPolicy("pgbouncer", podSelector: ["matchLabels": selector(.pgbouncer)],
                                              types: ["Ingress", "Egress"],
                                              ingress: [["from": [["podSelector": clients]], "ports": [port(Plan.poolerPort)]]],
                                              egress: [toDatabase]))
                // Migrations take advisory locks and run DDL, which transaction pooling breaks,
                // and beat's lock is held on a connection of its own: those go to PostgreSQL
                // directly (`Plan.lockHolders`; the init step as an init container runs in the web pod).
                policies.append(networkPolicy("locks-to-database", podSelector: selector(anyOf: plan.lockHolders),
                                              types: ["Egress"], egress: [toDatabase]))
            } else {
                policies.append(networkPolicy("app-to-database", podSelector: selector(anyOf: appComponents),
                                              types: ["Egress"], egress: [toDatabase]))
            }
        }
        if let monitoring = platform.monitoring {
            policies.append(networkPolicy("metrics-from-monitoring", podSelector: selector(anyOf: probedComponents),
                                          types: ["Ingress"], ingress: [[
                                              "from": [peer(monitoring.scraper)],
                                              "ports": [port(Int(plan.probePort.number))],
                                          ]]))
        }
        if let broker = platform.broker {
            // The web enqueues tasks as well as the workers running them.
            let clients = appComponents.filter { $0 != .`init` }
            policies.append(networkPolicy("app-to-broker", podSelector: selector(anyOf: clients), types: ["Egress"],
                                          egress: [["to": [peer(broker.peer)], "ports": [port(broker.port)]]]))
        }
        return policies
    }

    // MARK: - PgBouncer

    /// PgBouncer's configuration: transaction pooling, which Django supports with
    /// `DISABLE_SERVER_SIDE_CURSORS = True`; prepared statements are tracked by PgBouncer itself
    /// (1.21+), so psycopg's automatic preparing keeps working. Its TCP settings apply to every
    /// socket it holds: a client that vanished mid-transaction (holding the migration or beat lock
    /// through it) is dropped within about half a minute, and PgBouncer then closes the server
    /// connection, which ends the transaction and releases the lock (`DeadPeerDetection`).
    var poolerConfiguration: String {
        guard let database = platform.database, let pooler = platform.pooler else { return "" }
        return """
            [databases]
            \(database.name) = host=\(database.host) port=\(database.port) dbname=\(database.name)

            [pgbouncer]
            listen_addr = 0.0.0.0
            listen_port = \(Plan.poolerPort)
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = /run/secrets/pgbouncer/userlist.txt
            pool_mode = transaction
            max_client_conn = \(pooler.maxClientConnections)
            default_pool_size = \(pooler.defaultPoolSize)
            max_prepared_statements = 200
            server_tls_sslmode = prefer
            ignore_startup_parameters = extra_float_digits,options
            tcp_keepalive = 1
            tcp_keepidle = \(DeadPeerDetection.keepaliveIdleSeconds)
            tcp_keepintvl = \(DeadPeerDetection.keepaliveIntervalSeconds)
            tcp_keepcnt = \(DeadPeerDetection.keepaliveCount)
            tcp_user_timeout = \(DeadPeerDetection.userTimeoutMilliseconds)

            """
    }

    func pooler() -> [KubeObject] {
        guard let pooler = platform.pooler, platform.database != nil else { return [] }
        let container: Tree = [
            "name": "pgbouncer",
            "image": .string(pooler.image.text),
            "imagePullPolicy": "Always",
            "command": ["pgbouncer", "/etc/pgbouncer/pgbouncer.ini"],
            "ports": [["name": "postgres", "containerPort": .int(Plan.poolerPort), "protocol": "TCP"]],
            "resources": resourcesTree(platform.defaults),
            "securityContext": containerSecurityContext,
            "volumeMounts": [
                ["name": "config", "mountPath": "/etc/pgbouncer", "readOnly": true],
                ["name": "userlist", "mountPath": "/run/secrets/pgbouncer", "readOnly": true],
                ["name": "tmp", "mountPath": "/tmp"],
            ],
            "readinessProbe": ["tcpSocket": ["port": "postgres"], "periodSeconds": 5, "failureThreshold": 1],
            "livenessProbe": ["tcpSocket": ["port": "postgres"], "periodSeconds": 10, "failureThreshold": 3],
        ]
        let volumes: Tree = [
            ["name": "config", "configMap": ["name": .string(poolerName)]],
            ["name": "userlist", "secret": [
                "secretName": .string(pooler.userlistSecret.name), "defaultMode": 0o440,
                "items": [["key": .string(pooler.userlistSecret.key), "path": "userlist.txt"]],
            ]],
            ["name": "tmp", "emptyDir": ["sizeLimit": "64Mi"]],
        ]
        let spec = podSpec(.pgbouncer, containers: [container], volumes: volumes, terminationGrace: nil, spread: true)
        let configMap = object(.configMap, poolerName, metadata: metadata(poolerName, .pgbouncer, wave: .prerequisites),
                               spec: [Tree.Entry("data", ["pgbouncer.ini": .string(poolerConfiguration)])])
        // The pooler comes up with the prerequisites: the init step's checks may already use it.
        let deployment = deployment(poolerName, .pgbouncer, replicas: pooler.replicas, recreate: false, podSpec: spec,
                                    wave: .prerequisites)
        let service = object(.service, poolerName, metadata: metadata(poolerName, .pgbouncer, wave: .prerequisites),
                             spec: [Tree.Entry("spec", [
                                 "type": "ClusterIP",
                                 "selector": selector(.pgbouncer),
                                 "ports": [["name": "postgres", "port": .int(Plan.poolerPort), "targetPort": "postgres",
                                            "protocol": "TCP"]],
                             ])])
        return [configMap, deployment, service]
            + [disruptionBudget(poolerName, .pgbouncer, minimumReplicas: pooler.replicas)].compactMap { $0 }
    }
}
