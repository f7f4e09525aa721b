import DjinitSettings

/// What scales the pods, and what Prometheus scrapes: the web's HorizontalPodAutoscaler or KEDA
/// ScaledObject, the workers' ScaledObject and TriggerAuthentication, and the PodMonitor.
extension Renderer {
    /// Up fast (double per minute), down slowly (a pod a minute after five quiet minutes), so a
    /// bursty load does not make pods flap.
    var scalingBehavior: Tree {
        [
            "scaleUp": ["stabilizationWindowSeconds": 0, "policies": [["type": "Percent", "value": 100, "periodSeconds": 60]]],
            "scaleDown": ["stabilizationWindowSeconds": 300, "policies": [["type": "Pods", "value": 1, "periodSeconds": 60]]],
        ]
    }

    /// The web's autoscaler: on CPU, a HorizontalPodAutoscaler; on djinit's metrics, a KEDA
    /// ScaledObject with a Prometheus trigger (KEDA then owns the HorizontalPodAutoscaler).
    func webScaler() -> KubeObject? {
        guard let scaling = app.web.autoscaling else { return nil }
        let target: Tree = ["apiVersion": "apps/v1", "kind": "Deployment", "name": .string(webName)]
        guard plan.webScalesOnMetrics, let prometheus = platform.monitoring?.prometheus else {
            return object(.horizontalPodAutoscaler, webName, metadata: metadata(webName, .web, wave: .workloads),
                          spec: [Tree.Entry("spec", [
                              "scaleTargetRef": target,
                              "minReplicas": .int(scaling.minReplicas.value),
                              "maxReplicas": .int(scaling.maxReplicas.value),
                              "metrics": [[
                                  "type": "Resource",
                                  "resource": ["name": "cpu", "target": [
                                      "type": "Utilization", "averageUtilization": .int(scaling.targetCPUUtilization),
                                  ]],
                              ]],
                              "behavior": scalingBehavior,
                          ])])
        }
        let pods = "namespace=\"\(namespace)\",pod=~\"\(webName)-.+\""
        // Utilisation is a share: the autoscaler keeps the pods' average at the target. The
        // backlog is a count: the target is per pod, so the autoscaler divides the total.
        let trigger: (metricType: String, query: String, threshold: String) = switch platform.autoscaling.web.value {
        case .utilization:
            ("Value", "avg(djinit_gunicorn_worker_utilization{\(pods)})", Renderer.fraction(percent: platform.autoscaling.utilizationTarget))
        case .backlog, .cpu:
            ("AverageValue", "sum(djinit_http_backlog{\(pods)})", String(platform.autoscaling.backlogTarget))
        }
        return object(.scaledObject, webName, metadata: metadata(webName, .web, wave: .workloads),
                      spec: [Tree.Entry("spec", [
                          "scaleTargetRef": target,
                          "minReplicaCount": .int(scaling.minReplicas.value),
                          "maxReplicaCount": .int(scaling.maxReplicas.value),
                          "advanced": ["horizontalPodAutoscalerConfig": ["behavior": scalingBehavior]],
                          "triggers": [[
                              "type": "prometheus",
                              "metricType": .string(trigger.metricType),
                              "metadata": [
                                  "serverAddress": .string(prometheus),
                                  "query": .string(trigger.query),
                                  "threshold": .string(trigger.threshold),
                              ],
                          ]],
                      ])])
    }

    /// `70` percent as `0.7`: the same text the chart writes.
    static func fraction(percent: Int) -> String {
        let text = "\(percent / 100).\(percent % 100 < 10 ? "0" : "")\(percent % 100)"
        var trimmed = Substring(text)
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    /// The workers' KEDA ScaledObject on queue length, and the TriggerAuthentication its
    /// credentials go through: Redis' lists for Celery, django-q2's table for django-q2.
    func workerScaler() -> [KubeObject] {
        guard case .queueLength(let min, let max, let source?) = plan.workerScale else { return [] }
        let target = String(platform.autoscaling.queueLengthTarget)
        var objects: [KubeObject] = []
        var triggers: [Tree] = []
        switch source {
        case .redis(let queues):
            guard let broker = platform.broker, let host = broker.host else { return [] }
            let authentication = broker.passwordSecret.map { secret in
                self.authentication(workerName + "-broker", secret)
            }
            objects += [authentication].compactMap { $0 }
            triggers = queues.map { queue in
                [
                    "type": "redis",
                    "metadata": [
                        "address": .string("\(host):\(broker.port)"),
                        "listName": .string(queue),
                        "listLength": .string(target),
                        "databaseIndex": .string(String(broker.database)),
                    ],
                    "authenticationRef": authentication.map { _ in ["name": .string(workerName + "-broker")] },
                ]
            }
        case .djangoQ:
            guard let database = platform.database else { return [] }
            objects.append(authentication(workerName + "-database", database.passwordSecret))
            triggers = [[
                "type": "postgresql",
                "metadata": [
                    "host": .string(database.host),
                    "port": .string(String(database.port)),
                    "userName": .string(database.user),
                    "dbName": .string(database.name),
                    "sslmode": .string(database.sslMode.rawValue),
                    "query": .string(DjangoQBroker.queuedTasks),
                    "targetQueryValue": .string(target),
                ],
                "authenticationRef": ["name": .string(workerName + "-database")],
            ]]
        }
        objects.append(object(.scaledObject, workerName, metadata: metadata(workerName, .worker, wave: .workloads),
                              spec: [Tree.Entry("spec", [
                                  "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": .string(workerName)],
                                  "minReplicaCount": .int(min),
                                  "maxReplicaCount": .int(max),
                                  "triggers": .list(triggers),
                              ])]))
        return objects
    }

    /// A TriggerAuthentication reading the password from a Secret of the app's namespace: a
    /// credential never written into a trigger.
    func authentication(_ objectName: String, _ secret: SecretKeyReference) -> KubeObject {
        object(.triggerAuthentication, objectName, metadata: metadata(objectName, .worker, wave: .workloads),
               spec: [Tree.Entry("spec", [
                   "secretTargetRef": [["parameter": "password", "name": .string(secret.name), "key": .string(secret.key)]],
               ])])
    }

    /// A PodMonitor for the pods that serve `/metrics` on the probe port, when the platform asks
    /// for one; other pods (cron, init) have no probe port and are not scraped.
    func podMonitor() -> KubeObject? {
        guard let monitoring = platform.monitoring, monitoring.podMonitor else { return nil }
        let metadata = metadata(name, nil, wave: .workloads, extraLabels: monitoring.podMonitorLabels)
        return object(.podMonitor, name, metadata: metadata,
                      spec: [Tree.Entry("spec", [
                          "selector": ["matchLabels": ["app.kubernetes.io/name": .string(name)],
                                       "matchExpressions": [["key": "app.kubernetes.io/component", "operator": "In",
                                                             "values": .list(probedComponents.map { .string($0.rawValue) })]]],
                          "podMetricsEndpoints": [["port": "probe", "path": .string(ProbeEndpoint.metrics.rawValue)]],
                      ])])
    }
}
