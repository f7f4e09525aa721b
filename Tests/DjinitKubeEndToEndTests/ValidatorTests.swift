import Foundation
import Testing

/// The golden output checked by the tools a hoster's CI would use: kubernetes-validate against
/// the Kubernetes API schemas, kubectl's kustomize, and checkov's security policies. `scripts/test`
/// installs them; these tests fail, rather than skip, when they are missing.
@Suite struct ValidatorTests {
    /// Kinds that are not built into Kubernetes, for which kubernetes-validate has no schema.
    static let customKinds = ["SealedSecret", "Application", "Kustomization"]

    static func tool(_ name: String) throws -> String {
        let path = KubeTool.validators.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidatorMissing(description: "\(path) is missing: run scripts/test, which installs it")
        }
        return path
    }

    struct ValidatorMissing: Error, CustomStringConvertible {
        let description: String
    }

    static func expectedFiles(_ name: String) throws -> [String] {
        let folder = KubeTool.golden(name).appendingPathComponent("expected")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            .map { folder.appendingPathComponent($0).path }
    }

    @Test("kubernetes-validate --strict accepts every object, for Kubernetes 1.30 and 1.33",
          arguments: KubeTool.goldenCases.map(\.name), ["1.30.0", "1.33.0"])
    func kubernetesValidate(_ name: String, version: String) throws {
        let result = try KubeTool.run(try Self.tool("kubernetes-validate"),
                                      ["--strict", "--kubernetes-version", version] + Self.expectedFiles(name))
        #expect(result.status == 0, "\(result.output)\(result.error)")
        let report = result.output + result.error
        #expect(report.contains("INFO") || report.contains("WARN"), "no report at all: \(report)")
        for line in report.split(separator: "\n") where line.contains("Couldn't find schema") {
            #expect(Self.customKinds.contains { line.contains("kind \($0) ") }, "a built-in kind without schema: \(line)")
        }
        #expect(!report.contains("ERROR"), "\(report)")
    }

    @Test("kubectl kustomize builds the folder into every object", arguments: KubeTool.goldenCases.map(\.name))
    func kustomize(_ name: String) throws {
        let kubectl = try #require(KubeTool.onPath("kubectl"), "kubectl is missing: run scripts/test")
        let folder = KubeTool.golden(name).appendingPathComponent("expected")
        let result = try KubeTool.run(kubectl, ["kustomize", folder.path])
        #expect(result.status == 0, "\(result.error)")
        let objects = result.output.split(separator: "\n").filter { $0.hasPrefix("kind: ") }.count
        let files = try Self.expectedFiles(name).filter { !$0.hasSuffix("/kustomization.yaml") && !$0.hasSuffix("/argocd-application.yaml") }
        #expect(objects == files.count)
    }

    @Test("checkov finds no failed check", arguments: KubeTool.goldenCases.map(\.name))
    func checkov(_ name: String) throws {
        let folder = KubeTool.golden(name).appendingPathComponent("expected")
        let result = try KubeTool.run(try Self.tool("checkov"),
                                      ["--framework", "kubernetes", "--skip-download", "--compact", "--quiet",
                                       "--output", "cli", "--directory", folder.path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("Failed checks: 0"), "\(result.output)")
        #expect(!result.output.contains("Passed checks: 0,"), "checkov checked nothing: \(result.output)")
    }
}
