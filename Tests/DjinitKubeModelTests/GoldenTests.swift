import DjinitKubeModel
import Foundation
import Testing

/// The golden cases: inputs in `Golden/<case>/`, the expected output in `Golden/<case>/expected/`.
/// Run with `UPDATE_GOLDEN=1` to write the current output there instead, then review the diff.
enum GoldenCase: String, CaseIterable, CustomTestStringConvertible {
    /// A name and an image: the least there is.
    case minimal
    /// Worker, beat, cron job, ReadWriteMany volume, autoscaling, private registry, two hosts,
    /// database with pooler, broker, and ArgoCD with the init step as a Sync hook.
    case full
    /// One web pod on a ReadWriteOnce volume, database without pooler.
    case rwo
    /// Served through a Gateway API HTTPRoute, a worker on a broker, autoscaling, no database.
    case gateway
    /// The web scaled on busy workers and Celery workers on their queues, through KEDA, with a
    /// PodMonitor; beat under djinit beat's lock.
    case scalingUtilization = "scaling-utilization"
    /// The web scaled on its accept queue, django-q2 workers on their queue down to zero.
    case scalingBacklog = "scaling-backlog"
    /// A plain Python image: every app pod gets djinit from the platform's djinit image, through
    /// an init container and an emptyDir.
    case injected

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    var folder: URL { GoldenCase.root.appendingPathComponent(rawValue) }
    var expected: URL { folder.appendingPathComponent("expected") }
    var appFile: String { folder.appendingPathComponent("app.yaml").path }
    var platformFile: String { folder.appendingPathComponent("platform.yaml").path }
    var testDescription: String { rawValue }

    /// Renders the case as `djinit-kube render` does, naming the files as the test names them.
    func render() throws -> Manifests {
        let app = try AppSpec(yaml: String(contentsOfFile: appFile, encoding: .utf8), file: "app.yaml")
        let platform = try PlatformSpec(yaml: String(contentsOfFile: platformFile, encoding: .utf8), file: "platform.yaml")
        return Manifests(try Plan(app: app, platform: platform))
    }
}

@Suite struct GoldenTests {
    static let updating = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"

    @Test("the output matches the golden files", arguments: GoldenCase.allCases)
    func matchesGolden(_ golden: GoldenCase) throws {
        let files = try golden.render().files
        if GoldenTests.updating {
            try? FileManager.default.removeItem(at: golden.expected)
            try OutputFolder(golden.expected.path).replace(with: files)
            return
        }
        let expectedNames = try FileManager.default.contentsOfDirectory(atPath: golden.expected.path).sorted()
        #expect(files.map(\.name).sorted() == expectedNames, "run UPDATE_GOLDEN=1 swift test --filter GoldenTests and review")
        for file in files {
            let expected = try? String(contentsOf: golden.expected.appendingPathComponent(file.name), encoding: .utf8)
            #expect(file.contents == expected, "\(golden.rawValue)/expected/\(file.name) differs")
        }
    }

    @Test("the same input gives the same bytes", arguments: GoldenCase.allCases)
    func deterministic(_ golden: GoldenCase) throws {
        #expect(try golden.render().stream == golden.render().stream)
    }

    @Test("the stream holds every object of the folder", arguments: GoldenCase.allCases)
    func streamMatchesFiles(_ golden: GoldenCase) throws {
        let manifests = try golden.render()
        let documents = manifests.stream.components(separatedBy: "---\n").dropFirst()
        let expected = manifests.objects.map(\.tree.yaml)
        #expect(Array(documents) == expected)
    }
}
