import DjinitSettings
import DjinitTestSupport
import Foundation
import Testing

/// The manifests against the oldest djinit they are written for (platform.yaml's djinitVersion):
/// that djinit, built from its release's commit by `scripts/djinit-release`, must start every
/// container of them. djinit refuses a setting it does not know, so a manifest that sets a newer
/// one would stop every image that still carries the older djinit, and every rollback to one.
@Suite struct ReleaseCompatibilityTests {
    /// The djinit of `release`, built by scripts/djinit-release (cached in .build-releases).
    static func djinit(_ release: Release) throws -> String {
        let script = KubeTool.repository.appendingPathComponent("scripts/djinit-release").path
        let result = try runProgram(script, [release.description])
        guard result.status == 0 else {
            throw TestFailure("scripts/djinit-release \(release) failed: \(result.error)")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("the settings djinit-kube counts as known to the oldest supported release are exactly those its djinit knows")
    func knownSettings() throws {
        let oldest = try Self.djinit(Release.oldestSupported)
        let table = try runProgram(oldest, ["config", "--markdown"], environment: [:])
        #expect(table.status == 0, "\(table.error)")
        let names = table.output.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return String(line.dropFirst(3).prefix { $0 != "`" })
        }
        let expected = Schema.all.filter { $0.since <= Release.oldestSupported }.map(\.name)
        #expect(Set(names) == Set(expected))
        #expect(names.count == expected.count)
    }

    /// One container of the rendered manifests, as app-containers.py lists it.
    struct Container: Decodable {
        let `where`: String
        let args: [String]
        let environment: [String: String]
        let secretFiles: [String]
    }

    /// Runs `djinit` with `container`'s args and environment, as far as a test can: in a network
    /// namespace of its own (the probe server binds its real port), with the secrets directory
    /// holding the files the pod's would, and an empty PATH, so that it stops where it would start
    /// the app, with exit code 127. Bad settings or a bad command line exit 2.
    static func start(_ djinit: String, _ container: Container, extra: [String: String] = [:]) throws -> ProgramResult {
        let root = try KubeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let secrets = root.appendingPathComponent("secrets")
        let work = root.appendingPathComponent("work")
        let bin = root.appendingPathComponent("bin")
        for folder in [secrets, work, bin] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        for file in container.secretFiles {
            try "placeholder".write(to: secrets.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        // The settings module's package, where djinit async looks for the Celery app.
        if let module = container.environment["DJANGO_SETTINGS_MODULE"]?.split(separator: ".").first {
            let package = work.appendingPathComponent(String(module))
            try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
            try "".write(to: package.appendingPathComponent("celery.py"), atomically: true, encoding: .utf8)
        }
        var environment = container.environment.merging(extra) { $1 }
        if environment["DJINIT_SECRETS_DIR"] != nil { environment["DJINIT_SECRETS_DIR"] = secrets.path }
        environment["PATH"] = bin.path
        return try runProgram("/usr/bin/unshare", ["--net", "--", djinit] + container.args, in: work, environment: environment)
    }

    @Test("the oldest supported djinit starts every container of the manifests rendered for it; a newer setting would stop it")
    func oldestStartsTheManifests() throws {
        let oldest = try Self.djinit(Release.oldestSupported)
        let golden = KubeTool.golden("full")
        let platform = try String(contentsOf: golden.appendingPathComponent("platform.yaml"), encoding: .utf8)
        #expect(platform.contains("\ndjinitVersion: \(Release.oldestSupported)\n"), "the full golden pair is rendered for the oldest release")
        let render = try runProgram(KubeTool.binary, ["render", "--app", "app.yaml", "--platform", "platform.yaml", "--out", "-"],
                                      in: golden)
        #expect(render.status == 0, "\(render.error)")
        let script = KubeTool.repository.appendingPathComponent("Tests/DjinitKubeEndToEndTests/Fixtures/app-containers.py").path
        let listed = try runProgram(try Tools.kubeVirtualenv("python"), [script], input: render.output)
        #expect(listed.status == 0, "\(listed.error)")
        let containers = try JSONDecoder().decode([Container].self, from: Data(listed.output.utf8))
        // The init Job, web, worker, beat and the cron job.
        #expect(containers.count == 5, "\(containers.map(\.where))")

        for container in containers {
            for djinit in [oldest, BuiltProducts.path("djinit")] {
                let started = try Self.start(djinit, container)
                #expect(started.status == 127, "\(container.where) under \(djinit): exit \(started.status)\n\(started.error.suffix(600))")
            }
        }
        // The control: the same container with a setting that release does not know.
        let refused = try Self.start(oldest, containers[0], extra: ["DJINIT_FROM_A_LATER_RELEASE": "1"])
        #expect(refused.status == 2 && refused.error.contains("DJINIT_FROM_A_LATER_RELEASE"), "\(refused.error)")
    }
}
