import DjinitTestSupport
import Foundation
import Testing

/// The golden output checked by the tools a hoster's CI would use: kubernetes-validate against
/// the Kubernetes API schemas, kubectl's kustomize, and checkov's security policies. `scripts/test`
/// installs them; these tests fail, rather than skip, when they are missing.
@Suite struct ValidatorTests {
    /// Kinds that are not built into Kubernetes, for which kubernetes-validate has no schema: the CRD
    /// test checks them against their CRDs instead (a kustomization is no object at all).
    static let customKinds = ["SealedSecret", "HTTPRoute", "ScaledObject", "TriggerAuthentication", "PodMonitor", "Kustomization"]

    /// The CRDs of ArgoCD, SealedSecret, KEDA, prometheus-operator and Gateway API, as their projects
    /// publish them, beside the checkout (`../shared/crds`).
    static var crds: String {
        get throws {
            let path = KubeTool.repository.deletingLastPathComponent().appendingPathComponent("shared/crds").path
            guard FileManager.default.fileExists(atPath: path) else {
                throw TestFailure("\(path) is missing: the custom resources cannot be checked against their CRDs")
            }
            return path
        }
    }

    /// Validates every custom resource in `files` against its CRD (validate-crds.py).
    static func validateCustomResources(_ files: [String]) throws -> ProgramResult {
        let script = KubeTool.repository.appendingPathComponent("Tests/DjinitKubeEndToEndTests/Fixtures/validate-crds.py").path
        return try runProgram(try Tools.kubeVirtualenv("python"), [script, try crds] + files)
    }

    static func expectedFiles(_ name: String) throws -> [String] {
        let folder = KubeTool.golden(name).appendingPathComponent("expected")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            .map { folder.appendingPathComponent($0).path }
    }

    @Test("kubernetes-validate --strict accepts every object, for Kubernetes 1.30 and 1.33",
          arguments: KubeTool.goldenCases, ["1.30.0", "1.33.0"])
    func kubernetesValidate(_ name: String, version: String) throws {
        let result = try runProgram(try Tools.kubeVirtualenv("kubernetes-validate"),
                                      ["--strict", "--kubernetes-version", version] + Self.expectedFiles(name))
        #expect(result.status == 0, "\(result.output)\(result.error)")
        let report = result.output + result.error
        #expect(report.contains("INFO") || report.contains("WARN"), "no report at all: \(report)")
        for line in report.split(separator: "\n") where line.contains("Couldn't find schema") {
            #expect(Self.customKinds.contains { line.contains("kind \($0) ") }, "a built-in kind without schema: \(line)")
        }
        #expect(!report.contains("ERROR"), "\(report)")
    }

    @Test("kubectl kustomize builds the folder into every object", arguments: KubeTool.goldenCases)
    func kustomize(_ name: String) throws {
        let kubectl = try Tools.kube("kubectl")
        let folder = KubeTool.golden(name).appendingPathComponent("expected")
        let result = try runProgram(kubectl, ["kustomize", folder.path])
        #expect(result.status == 0, "\(result.error)")
        let objects = result.output.split(separator: "\n").filter { $0.hasPrefix("kind: ") }.count
        let files = try Self.expectedFiles(name).filter { !$0.hasSuffix("/kustomization.yaml") && !$0.hasSuffix("/argocd-application.yaml") }
        #expect(objects == files.count)
    }

    @Test("checkov finds no failed check", arguments: KubeTool.goldenCases)
    func checkov(_ name: String) throws {
        let folder = KubeTool.golden(name).appendingPathComponent("expected")
        let result = try runProgram(try Tools.kubeVirtualenv("checkov"),
                                      ["--framework", "kubernetes", "--skip-download", "--compact", "--quiet",
                                       "--output", "cli", "--directory", folder.path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("Failed checks: 0"), "\(result.output)")
        #expect(!result.output.contains("Passed checks: 0,"), "checkov checked nothing: \(result.output)")
    }

    @Test("every custom resource is valid against its CRD: SealedSecrets, HTTPRoute, KEDA's ScaledObject and TriggerAuthentication, the PodMonitor, and ArgoCD's Application, AppProject and ApplicationSet")
    func customResources() throws {
        let golden = KubeTool.golden("full")
        let directory = try KubeTool.temporaryDirectory()
        let argo = try runProgram(KubeTool.binary, ["argocd", "--platform", golden.appendingPathComponent("platform.yaml").path,
                                                      "--out", directory.path])
        #expect(argo.status == 0, "\(argo.error)")
        let fleet = try runProgram(KubeTool.binary, ["fleet", "--repo", "https://git.example.com/hosting/apps.git",
                                                       "--revision", "main"])
        #expect(fleet.status == 0, "\(fleet.error)")
        try fleet.output.write(to: directory.appendingPathComponent("applicationset.yaml"), atomically: true, encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).map { directory.appendingPathComponent($0).path }
            + (try KubeTool.goldenCases.flatMap { try Self.expectedFiles($0) })
        let result = try Self.validateCustomResources(files)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        for kind in ["Application/", "AppProject/", "ApplicationSet/", "SealedSecret/", "HTTPRoute/", "ScaledObject/",
                     "TriggerAuthentication/", "PodMonitor/"] {
            #expect(result.output.contains("ok \(kind)"), "no \(kind) was checked:\n\(result.output)")
        }
    }

    /// What ArgoCD would apply for a golden pair: the chart rendered with app.yaml and the
    /// Application's valuesObject.
    static func chartOutput(_ name: String) throws -> String {
        let golden = KubeTool.golden(name)
        let directory = try KubeTool.temporaryDirectory()
        let values = try runProgram(KubeTool.binary, ["values", "--platform", golden.appendingPathComponent("platform.yaml").path])
        try values.output.write(to: directory.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8)
        let helm = try runProgram(try Tools.kube("helm"), ["template", "shop", KubeTool.chart.path, "-f",
                                                                    golden.appendingPathComponent("app.yaml").path, "-f", "values.yaml"],
                                    in: directory)
        guard helm.status == 0 else { throw TestFailure("helm template failed: \(helm.error)") }
        let file = directory.appendingPathComponent("chart.yaml")
        try helm.output.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test("the chart's output passes kubernetes-validate --strict (1.30, 1.33), the CRDs and checkov", arguments: ["full", "gateway"])
    func chartOutputValid(_ name: String) throws {
        let file = try Self.chartOutput(name)
        for version in ["1.30.0", "1.33.0"] {
            let result = try runProgram(try Tools.kubeVirtualenv("kubernetes-validate"), ["--strict", "--kubernetes-version", version, file])
            #expect(result.status == 0 && !(result.output + result.error).contains("ERROR"), "\(result.output)\(result.error)")
        }
        let crds = try Self.validateCustomResources([file])
        #expect(crds.status == 0 && crds.output.contains("ok SealedSecret/"), "\(crds.output)")
        #expect(name != "gateway" || crds.output.contains("ok HTTPRoute/"), "\(crds.output)")
        let checkov = try runProgram(try Tools.kubeVirtualenv("checkov"), ["--framework", "kubernetes", "--skip-download", "--compact",
                                                                   "--quiet", "--output", "cli", "--file", file])
        #expect(checkov.status == 0 && checkov.output.contains("Failed checks: 0"), "\(checkov.output)")
    }
}
