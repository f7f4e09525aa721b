/// The ArgoCD objects of one app, from platform.yaml alone: what the hoster commits to its own
/// repository (`djinit-kube argocd`). Nothing here comes from the customer's files.
///
/// - The **Application** has two sources: the djinit-app chart, pinned, whose values are the
///   customer's app.yaml (a value file of the second source, the customer's repository, as a
///   `ref`) and the hoster's complete values (`valuesObject`, which wins every conflict).
/// - The **AppProject** is the tenancy fence on ArgoCD's side: the chart's and the customer's
///   repositories only, the app's namespace only, the kinds the chart renders only, and of the
///   cluster-scoped kinds the Namespace alone.
public struct ArgoCDObjects: Sendable {
    public let application: KubeObject
    public let project: KubeObject

    /// Nil when platform.yaml has no argocd section.
    public init?(_ platform: PlatformSpec) {
        guard let argo = platform.argoCD else { return nil }
        let labels = ArgoCDObjects.labels(platform.namespace)
        let chartSource = ArgoCDObjects.chartSource(argo.chart, helm: [
            "releaseName": .string(platform.namespace),
            "valueFiles": [.string("$\(ArgoCDObjects.customerRef)/\(argo.valuesFile)")],
            "valuesObject": ChartValues(platform).tree,
        ])
        application = KubeObject(kind: "Application", name: platform.namespace, tree: [
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": [
                "name": .string(platform.namespace), "namespace": .string(argo.namespace), "labels": labels,
                // Deleting the Application deletes what it synced (the volume's claim excepted:
                // the chart marks it to be kept).
                "finalizers": ["resources-finalizer.argocd.argoproj.io"],
            ],
            "spec": [
                "project": .string(argo.project),
                "sources": [
                    chartSource,
                    ["repoURL": .string(argo.customerRepository.repoURL),
                     "targetRevision": .string(argo.customerRepository.revision), "ref": .string(ArgoCDObjects.customerRef)],
                ],
                "destination": ["server": .string(ArgoCDObjects.inCluster), "namespace": .string(platform.namespace)],
                "syncPolicy": ArgoCDObjects.syncPolicy,
            ],
        ])
        let namespaced = KubeKind.allCases.filter { !$0.isClusterScoped }.map { kind -> Tree in
            ["group": .string(kind.group), "kind": .string(kind.name)]
        }
        let clusterScoped = KubeKind.allCases.filter(\.isClusterScoped).map { kind -> Tree in
            ["group": .string(kind.group), "kind": .string(kind.name)]
        }
        project = KubeObject(kind: "AppProject", name: argo.project, tree: [
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": ["name": .string(argo.project), "namespace": .string(argo.namespace), "labels": labels],
            "spec": [
                "description": .string("djinit app in \(platform.namespace): its chart, its customer's repository and its namespace only"),
                "sourceRepos": [.string(argo.chart.repoURL), .string(argo.customerRepository.repoURL)],
                "destinations": [["server": .string(ArgoCDObjects.inCluster), "namespace": .string(platform.namespace)]],
                "clusterResourceWhitelist": .list(clusterScoped),
                "namespaceResourceWhitelist": .list(namespaced),
            ],
        ])
    }

    /// The name the customer's repository source has, for `$app/app.yaml`.
    static let customerRef = "app"
    static let inCluster = "https://kubernetes.default.svc"

    static func labels(_ namespace: String) -> Tree {
        .sortedStrings([("app.kubernetes.io/part-of", namespace), ("app.kubernetes.io/managed-by", "djinit-kube")])
    }

    /// The chart's source: by name from a Helm or OCI repository, or by path from Git.
    static func chartSource(_ chart: PlatformSpec.ChartSource, helm: Tree) -> Tree {
        [
            "repoURL": .string(chart.repoURL),
            "chart": chart.chart.map(Tree.string),
            "path": chart.path.map(Tree.string),
            "targetRevision": .string(chart.version),
            "helm": helm,
        ]
    }

    /// Automated, pruning and healing, retried with backoff.
    static let syncPolicy: Tree = [
        "automated": ["prune": true, "selfHeal": true],
        "retry": ["limit": 5, "backoff": ["duration": "10s", "factor": 2, "maxDuration": "5m"]],
    ]

    /// Both objects as files for the hoster's repository.
    public var files: [(name: String, contents: String)] {
        [("application-\(application.name).yaml", Manifests.header + application.tree.yaml),
         ("appproject-\(project.name).yaml", Manifests.header + project.tree.yaml)]
    }
}

/// The ApplicationSet of a fleet: one Application per file of the hoster's repository that
/// matches `files`, each file being the complete values `djinit-kube values` writes for one app.
/// A generator cannot fill in defaults, so those files carry them; the hoster's CI keeps each in
/// step with its platform.yaml (`djinit-kube values --check`). The ApplicationSet is never
/// templated from customer data: everything in it comes from the hoster's files.
public enum FleetApplicationSet {
    public static func make(name: String, repoURL: String, revision: String, files: String, namespace: String) -> KubeObject {
        // ArgoCD's Go templates read each file's keys; a whole object (the values) goes in through
        // templatePatch, since the template's fields are typed.
        let values = "{{ toJson (dict \"platform\" .platform \"\(ChartValues.digestKey)\" .\(ChartValues.digestKey)) }}"
        let patch = """
            spec:
              sources:
                - repoURL: '{{ .platform.argocd.chart.repoURL }}'
                  targetRevision: '{{ .platform.argocd.chart.version }}'
            {{- if .platform.argocd.chart.chart }}
                  chart: '{{ .platform.argocd.chart.chart }}'
            {{- else }}
                  path: '{{ .platform.argocd.chart.path }}'
            {{- end }}
                  helm:
                    releaseName: '{{ .platform.namespace }}'
                    valueFiles:
                      - '$\(ArgoCDObjects.customerRef)/{{ .platform.argocd.app.valuesFile }}'
                    valuesObject: \(values)
                - repoURL: '{{ .platform.argocd.app.repoURL }}'
                  targetRevision: '{{ .platform.argocd.app.revision }}'
                  ref: \(ArgoCDObjects.customerRef)

            """
        return KubeObject(kind: "ApplicationSet", name: name, tree: [
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": ["name": .string(name), "namespace": .string(namespace),
                         "labels": ["app.kubernetes.io/managed-by": "djinit-kube"]],
            "spec": [
                "goTemplate": true,
                "goTemplateOptions": ["missingkey=error"],
                "generators": [["git": ["repoURL": .string(repoURL), "revision": .string(revision),
                                        "files": [["path": .string(files)]]]]],
                "template": [
                    "metadata": [
                        "name": "{{ .platform.namespace }}",
                        "labels": ["app.kubernetes.io/part-of": "{{ .platform.namespace }}",
                                   "app.kubernetes.io/managed-by": "djinit-kube"],
                        "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                    ],
                    "spec": [
                        "project": "{{ .platform.argocd.project }}",
                        "sources": [],
                        "destination": ["server": .string(ArgoCDObjects.inCluster), "namespace": "{{ .platform.namespace }}"],
                        "syncPolicy": ArgoCDObjects.syncPolicy,
                    ],
                ],
                "templatePatch": .string(patch),
            ],
        ])
    }
}
