import DjinitTestSupport
import Foundation

/// Where the end-to-end tests of djinit-kube find the binary, the chart and the golden cases.
enum KubeTool {
    static let repository = Repository.root

    /// The golden cases of `DjinitKubeModelTests`.
    static let goldenCases = ["minimal", "full", "rwo", "gateway", "scaling-utilization", "scaling-backlog", "injected"]

    /// The djinit-app chart.
    static let chart = repository.appendingPathComponent("charts/djinit-app")

    static func golden(_ name: String) -> URL {
        repository.appendingPathComponent("Tests/DjinitKubeModelTests/Golden").appendingPathComponent(name)
    }

    /// The `djinit-kube` binary of this build.
    static var binary: String { BuiltProducts.path("djinit-kube") }

    /// A new empty directory for one test.
    static func temporaryDirectory() throws -> URL {
        try DjinitTestSupport.temporaryDirectory("djinit-kube-e2e")
    }
}
