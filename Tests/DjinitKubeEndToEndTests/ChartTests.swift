import DjinitSettings
import DjinitTestSupport
import Foundation
import Testing

/// The djinit-app Helm chart, as ArgoCD renders it: `helm template` with the customer's app.yaml as
/// a value file and the hoster's values (`djinit-kube values`), against `djinit-kube render` for the
/// same two files.
@Suite struct ChartTests {
    /// One pair of files, and what each renderer made of it.
    struct Rendered {
        let name: String
        let render: ProgramResult
        let helm: ProgramResult
    }

    /// Renders `app` against `platform` both ways (the files are written into a folder of their own).
    static func renderBoth(name: String, app: String, platform: String) throws -> Rendered {
        let directory = try KubeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try app.write(to: directory.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
        try platform.write(to: directory.appendingPathComponent("platform.yaml"), atomically: true, encoding: .utf8)
        let render = try runProgram(KubeTool.binary, ["render", "--app", "app.yaml", "--platform", "platform.yaml", "--out", "-"],
                                      in: directory)
        let values = try runProgram(KubeTool.binary, ["values", "--platform", "platform.yaml"], in: directory)
        try values.output.write(to: directory.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8)
        let helm = values.status != 0 ? values : try runProgram(
            try Tools.kube("helm"), ["template", "release", KubeTool.chart.path, "-f", "app.yaml", "-f", "values.yaml"],
            in: directory)
        return Rendered(name: name, render: render, helm: helm)
    }

    /// Compares the objects of each pair (compare-objects.py, with PyYAML); returns its report.
    static func compare(_ pairs: [Rendered]) throws -> String {
        let cases = pairs.map { ["name": $0.name, "expected": $0.render.output, "actual": $0.helm.output] }
        let input = String(decoding: try JSONSerialization.data(withJSONObject: cases), as: UTF8.self)
        let script = KubeTool.repository.appendingPathComponent("Tests/DjinitKubeEndToEndTests/Fixtures/compare-objects.py").path
        let result = try runProgram(try Tools.kubeVirtualenv("python"), [script], input: input)
        return result.output + result.error
    }

    @Test("the committed generated files are what djinit-kube chart writes now")
    func generatedFilesAreCurrent() throws {
        let directory = try KubeTool.temporaryDirectory()
        let result = try runProgram(KubeTool.binary, ["chart", "--out", directory.path])
        #expect(result.status == 0, "\(result.error)")
        for name in ["Chart.yaml", "values.schema.json", "templates/_generated.tpl"] {
            let fresh = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            let committed = try String(contentsOf: KubeTool.chart.appendingPathComponent(name), encoding: .utf8)
            #expect(fresh == committed, "charts/djinit-app/\(name) is out of date: run scripts/update-chart")
        }
    }

    /// Helm's output for `app` against `platform`, with a copy of the chart in which `setting`
    /// arrived in `release` (no setting has arrived after the first release yet).
    static func helmWithArrival(of setting: String, in release: String, app: String, platform: String) throws -> ProgramResult {
        let directory = try KubeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let chart = directory.appendingPathComponent("chart")
        try FileManager.default.copyItem(at: KubeTool.chart, to: chart)
        let constants = chart.appendingPathComponent("templates/_generated.tpl")
        let text = try String(contentsOf: constants, encoding: .utf8)
        let patched = text.replacingOccurrences(of: "\"\(setting)\":\"0.1.0\"", with: "\"\(setting)\":\"\(release)\"")
        #expect(patched != text)
        try patched.write(to: constants, atomically: true, encoding: .utf8)
        try app.write(to: directory.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
        try platform.write(to: directory.appendingPathComponent("platform.yaml"), atomically: true, encoding: .utf8)
        let values = try runProgram(KubeTool.binary, ["values", "--platform", "platform.yaml"], in: directory)
        try values.output.write(to: directory.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8)
        return try runProgram(try Tools.kube("helm"), ["template", "release", chart.path, "-f", "app.yaml", "-f", "values.yaml"],
                                in: directory)
    }

    @Test("the chart writes no setting newer than the images' djinit: app.yaml may not set one, a pinned one is left out")
    func newerSettingNotWritten() throws {
        let platform = try String(contentsOf: KubeCLITests.platform, encoding: .utf8)
        let app = "name: shop\nimage: shop:1.0\n"
        let pinned = try Self.helmWithArrival(of: "DJINIT_GRACE", in: "0.2.0", app: app, platform: platform)
        #expect(pinned.status == 0 && !pinned.output.contains("DJINIT_GRACE") && pinned.output.contains("DJINIT_DRAIN_DELAY"),
                "\(pinned.error)")
        let set = app + "config:\n  DJINIT_GRACE: \"40s\"\n"
        let refused = try Self.helmWithArrival(of: "DJINIT_GRACE", in: "0.2.0", app: set, platform: platform)
        #expect(refused.status != 0 && refused.error.contains("config.DJINIT_GRACE: arrived in djinit 0.2.0"), "\(refused.error)")
        let raised = try Self.helmWithArrival(of: "DJINIT_GRACE", in: "0.2.0", app: set, platform: platform + "djinitVersion: 0.2.0\n")
        #expect(raised.status == 0 && raised.output.contains("\"DJINIT_GRACE\": \"40s\""), "\(raised.error)")
        let feature = try Self.helmWithArrival(of: "DJINIT_SECRETS_DIR", in: "0.2.0", app: app + "secrets:\n  API_KEY: AgB=\n",
                                               platform: platform)
        #expect(feature.status != 0 && feature.error.contains("platform.djinitVersion: the platform's setup needs DJINIT_SECRETS_DIR"),
                "\(feature.error)")
    }

    @Test("helm template renders the same objects as djinit-kube render", arguments: KubeTool.goldenCases)
    func goldenPairs(_ name: String) throws {
        let golden = KubeTool.golden(name)
        let pair = try Self.renderBoth(name: name,
                                       app: try String(contentsOf: golden.appendingPathComponent("app.yaml"), encoding: .utf8),
                                       platform: try String(contentsOf: golden.appendingPathComponent("platform.yaml"), encoding: .utf8))
        #expect(pair.render.status == 0 && pair.helm.status == 0, "\(pair.render.error)\(pair.helm.error)")
        #expect(try Self.compare([pair]).isEmpty)
    }

    @Test("200 random pairs, with hostile text in every free field: both render the same objects, or both refuse")
    func randomPairs() throws {
        var generator = RandomPairs.Generator(seed: RandomPairs.seed)
        var rendered: [Rendered] = []
        var refusedByBoth: [String] = []
        var disagreements: [String] = []
        var index = 0
        while rendered.count < 200, index < 400 {
            let (app, platform) = RandomPairs.make(&generator)
            let pair = try Self.renderBoth(name: "pair \(index)", app: app, platform: platform)
            switch (pair.render.status, pair.helm.status) {
            case (0, 0): rendered.append(pair)
            case (0, _), (_, 0):
                disagreements.append("pair \(index): render \(pair.render.status), helm \(pair.helm.status): "
                    + "\(pair.render.error.prefix(300)) \(pair.helm.error.prefix(300))\napp.yaml: \(app)\nplatform.yaml: \(platform)")
            default: refusedByBoth.append(String(pair.render.error.prefix(200)))
            }
            index += 1
        }
        #expect(disagreements.isEmpty, "seed \(RandomPairs.seed): \(disagreements.prefix(2).joined(separator: "\n"))")
        let refusals = refusedByBoth.prefix(5).joined(separator: "\n")
        #expect(rendered.count == 200, "only \(rendered.count) valid pairs in \(index) (\(refusedByBoth.count) refused by both, such as: \(refusals))")
        let report = try Self.compare(rendered)
        #expect(report.isEmpty, "seed \(RandomPairs.seed):\n\(report.prefix(3000))")

        // The pairs reach every kind of object the golden pairs show, so none goes uncompared.
        func kinds(_ text: String) -> Set<Substring> {
            Set(text.split(separator: "\n").filter { $0.hasPrefix("kind: ") }.map { $0.dropFirst("kind: ".count) })
        }
        let golden = try KubeTool.goldenCases.reduce(into: Set<Substring>()) { all, name in
            let folder = KubeTool.golden(name).appendingPathComponent("expected")
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file != "kustomization.yaml" {
                all.formUnion(kinds(try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)))
            }
        }
        let reached = rendered.reduce(into: Set<Substring>()) { $0.formUnion(kinds($1.render.output)) }
        #expect(golden.subtracting(reached).isEmpty, "no random pair renders \(golden.subtracting(reached).sorted())")
    }

    @Test("every bad input of the render tests also fails in the chart, naming the value",
          arguments: KubeCLITests.badInputs.map(\.name))
    func badInputsFailInChart(_ name: String) throws {
        let bad = KubeCLITests.badInputs.first { $0.name == name }!
        let pair = try Self.renderBoth(name: name, app: bad.app,
                                       platform: try String(contentsOf: KubeCLITests.platform, encoding: .utf8))
        #expect(pair.render.status == 2)
        #expect(pair.helm.status != 0, "helm rendered it:\n\(pair.helm.output.prefix(500))")
        // The key path of the render's message (`app.yaml:4:13: web.replicas: ...`) names the value
        // in Helm's too: `web.replicas: ...` from the chart's checks, or the schema's `/web/replicas`
        // (or, for a key that may not be there, its parent `/web` and the key).
        let key = String(bad.message.split(separator: " ")[1].dropLast())
        let parts = key.split(separator: ".")
        let named = pair.helm.error.contains(key) || pair.helm.error.contains("/" + parts.joined(separator: "/"))
            || (pair.helm.error.contains("/" + parts.dropLast().joined(separator: "/")) && pair.helm.error.contains(String(parts.last!)))
        #expect(named, "helm's error does not name \(key): \(pair.helm.error)")
    }

    /// Each written as a JSON escape in app.yaml, so that the reader makes the character itself.
    @Test("text no reader sees alike is refused by the chart's schema, as by djinit-kube", arguments: [
        "\\u2028", "\\u0085", "\\ufeff", "\\u001b[31m", "\\t", "\\u202e",
    ])
    func unprintableRefused(_ text: String) throws {
        let app = "{\"name\": \"shop\", \"image\": \"shop:1.0\", \"config\": {\"X\": \"a\(text)b\"}}"
        let pair = try Self.renderBoth(name: "unprintable", app: app,
                                       platform: try String(contentsOf: KubeCLITests.platform, encoding: .utf8))
        #expect(pair.render.status == 2 && pair.helm.status != 0, "\(pair.helm.output.prefix(300))")
        #expect(pair.helm.error.contains("/config/X"), "\(pair.helm.error)")
    }

    @Test("the customer cannot change what the hoster decided: a platform block in app.yaml changes nothing, or fails",
          arguments: [
              // A section the hoster never wrote, a value the hoster wrote, a label added to a pod
              // selector (a free-form map), an annotation added to an allow-list, an unknown key.
              "platform:\n  quota: {cpu: \"100\", memory: 1Ti, pods: 1000}\n",
              "platform:\n  maxReplicas: 100\n  requireImageDigest: false\n",
              "platform:\n  ingress:\n    controller:\n      podSelector: {evil: \"true\"}\n",
              "platform:\n  ingress:\n    allowedAnnotations: [nginx.ingress.kubernetes.io/server-snippet]\n",
              "platform:\n  hostNetwork: true\n",
              // A second way in, beside the hoster's Ingress, through a Gateway the customer names.
              "platform:\n  gateway: {name: mine, namespace: mine, listener: http, proxies: {namespace: mine, podSelector: {a: b}}}\n",
          ])
    func overridesChangeNothing(_ attempt: String) throws {
        let golden = KubeTool.golden("full")
        let app = try String(contentsOf: golden.appendingPathComponent("app.yaml"), encoding: .utf8)
        let platform = try String(contentsOf: golden.appendingPathComponent("platform.yaml"), encoding: .utf8)
        let clean = try Self.renderBoth(name: "clean", app: app, platform: platform)
        let attempted = try Self.renderBoth(name: "override", app: app + attempt, platform: platform)
        #expect(attempted.render.status == 2, "djinit-kube render accepted a platform key in app.yaml")
        if attempted.helm.status == 0 {
            let same = try Self.compare([Rendered(name: "override", render: clean.render, helm: attempted.helm)])
            #expect(same.isEmpty, "the attempt changed what helm renders:\n\(same)")
        } else {
            #expect(attempted.helm.error.contains("platform may be set by the hoster only")
                || attempted.helm.error.contains("/platform"), "\(attempted.helm.error)")
        }
    }

    @Test("a digest of the customer's own changes nothing: the hoster's wins the merge")
    func customerDigestLoses() throws {
        let golden = KubeTool.golden("full")
        let app = try String(contentsOf: golden.appendingPathComponent("app.yaml"), encoding: .utf8)
            + "platformDigest: \(String(repeating: "0", count: 64))\n"
        let directory = try KubeTool.temporaryDirectory()
        try app.write(to: directory.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
        let values = try runProgram(KubeTool.binary, ["values", "--platform", golden.appendingPathComponent("platform.yaml").path])
        try values.output.write(to: directory.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8)
        let helm = try runProgram(try Tools.kube("helm"),
                                    ["template", "release", KubeTool.chart.path, "-f", "app.yaml", "-f", "values.yaml"], in: directory)
        #expect(helm.status == 0, "\(helm.error)")
    }

    @Test("helm lint --strict is clean; the packed chart, pushed to an OCI registry and rendered from there, renders as djinit-kube",
          .needsServices)
    func lintPackageAndPush() throws {
        let golden = KubeTool.golden("full")
        let helm = try Tools.kube("helm")
        let directory = try KubeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let values = try runProgram(KubeTool.binary, ["values", "--platform", golden.appendingPathComponent("platform.yaml").path])
        try values.output.write(to: directory.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8)
        let lint = try runProgram(helm, ["lint", "--strict", KubeTool.chart.path, "-f", golden.appendingPathComponent("app.yaml").path,
                                           "-f", directory.appendingPathComponent("values.yaml").path])
        #expect(lint.status == 0, "\(lint.output)\(lint.error)")
        #expect(lint.output.contains("1 chart(s) linted, 0 chart(s) failed"), "\(lint.output)")
        let package = try runProgram(helm, ["package", KubeTool.chart.path, "--destination", directory.path])
        #expect(package.status == 0, "\(package.error)")
        let archive = directory.appendingPathComponent("djinit-app-\(Release.current).tgz")
        #expect(FileManager.default.fileExists(atPath: archive.path))

        // The hoster's registry: the one scripts/services starts on loopback. Helm keeps its
        // registry login and cache in the test's folder.
        let registry = try #require(ProcessInfo.processInfo.environment["DJTEST_REGISTRY"],
                                    "DJTEST_REGISTRY is unset: run scripts/test, which starts the services")
        var environment = ProcessInfo.processInfo.environment
        for (variable, folder) in [("HELM_CONFIG_HOME", "config"), ("HELM_CACHE_HOME", "cache"), ("HELM_DATA_HOME", "data")] {
            environment[variable] = directory.appendingPathComponent(folder).path
        }
        let repository = "oci://\(registry)/charts-\(UUID().uuidString.lowercased())"
        let push = try runProgram(helm, ["push", archive.path, repository, "--plain-http"], environment: environment)
        #expect(push.status == 0, "\(push.error)")
        let pulled = try runProgram(helm, ["template", "shop", "\(repository)/djinit-app", "--version", Release.current.description,
                                             "--plain-http", "-f", golden.appendingPathComponent("app.yaml").path,
                                             "-f", directory.appendingPathComponent("values.yaml").path], environment: environment)
        #expect(pulled.status == 0, "\(pulled.error)")
        let render = try runProgram(KubeTool.binary, ["render", "--app", "app.yaml", "--platform", "platform.yaml", "--out", "-"],
                                      in: golden)
        #expect(try Self.compare([Rendered(name: "from the registry", render: render, helm: pulled)]).isEmpty)
    }
}
