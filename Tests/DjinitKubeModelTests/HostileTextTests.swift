@testable import DjinitKubeModel
import DjinitTestSupport
import DjinitText
import Foundation
import Testing
import Yams

/// Customer text against the writers: whatever app.yaml's free-text fields hold, the manifests
/// read back, with YAML 1.1 readers as with 1.2 ones, as exactly the objects djinit-kube meant.
@Suite struct HostileTextTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    /// What app.yaml may hold as free text: each value is written into a manifest as it is.
    struct FreeText {
        var annotation: String
        var config: [(String, String)]
        var beat: [String]
        var cron: [String]
    }

    /// app.yaml with `text` in every free-text field.
    static func appYAML(_ text: FreeText) -> String {
        let tree: Tree = [
            "name": "prop",
            "image": .string("ghcr.io/acme/prop:1.0@" + digest),
            "hosts": ["prop.example.com"],
            "ingress": ["annotations": ["nginx.ingress.kubernetes.io/proxy-body-size": .string(text.annotation)]],
            "config": .map(text.config.map { Tree.Entry($0.0, .string($0.1)) }),
            "worker": ["replicas": 1],
            "beat": ["command": .list(text.beat.map(Tree.string))],
            "cronJobs": [["name": "c", "schedule": "0 3 * * *", "command": .list(text.cron.map(Tree.string))]],
        ]
        return tree.yaml
    }

    static func render(_ text: FreeText) throws -> Manifests {
        let app = try AppSpec(yaml: appYAML(text), file: "app.yaml")
        // The reader gives back what was written, so that what follows tests the writers.
        #expect(app.config.map(\.value) == text.config.map(\.1))
        #expect(app.ingressAnnotations.map(\.value) == [text.annotation])
        #expect(app.beat?.command == text.beat)
        #expect(app.cronJobs.first?.command == text.cron)
        let platform = try PlatformSpec(yaml: Examples.platform, file: "platform.yaml")
        return Manifests(try Plan(app: app, platform: platform))
    }

    // MARK: - The attacks that worked

    /// Each attack twice: app.yaml's check refuses the text on one line, naming the field; and
    /// the writer, given the same text anyway, keeps it one string (read back by libyaml, a YAML
    /// 1.1 reader like go-yaml's).
    static func expectRefusedAndWrittenSafely(_ text: FreeText, field: String, attack: String) throws {
        #expect(throws: InputError.self) { try render(text) }
        do {
            _ = try render(text)
        } catch let error as InputError {
            #expect(error.problems.count == 1 && error.description.contains(field) && !error.description.contains("\n"))
        }
        let pod: Tree = ["spec": ["containers": [["name": "beat", "args": ["exec", .string(attack)]]]],
                         "metadata": ["annotations": ["a": .string(attack)]], "data": ["X": .string(attack)]]
        let documents = try Yams.compose_all(yaml: "---\n" + pod.yaml).map { $0 }
        #expect(documents.count == 1)
        let read = try #require(documents.first)
        #expect(read.mapping?.keys.compactMap(\.string).sorted() == ["data", "metadata", "spec"])
        #expect(read["spec"]?.mapping?.count == 1 && read["spec"]?["containers"]?[0]?.mapping?.count == 2)
        #expect(read["spec"]?["containers"]?[0]?["args"]?[1]?.string == attack)
        #expect(read["metadata"]?["annotations"]?.mapping?.count == 1 && read["metadata"]?["annotations"]?["a"]?.string == attack)
        #expect(read["data"]?.mapping?.count == 1 && read["data"]?["X"]?.string == attack)
    }

    @Test("NEL in a beat command: refused, and never a hostNetwork key")
    func nextLineInBeatCommand() throws {
        let attack = "x\u{85}      hostNetwork: true\u{85}      hostPID: true"
        try Self.expectRefusedAndWrittenSafely(FreeText(annotation: "1m", config: [], beat: ["celery", attack], cron: ["check"]),
                                               field: "beat.command[1]", attack: attack)
    }

    @Test("U+2028 in an annotation's value: refused, and never a server-snippet annotation")
    func lineSeparatorInAnnotation() throws {
        let attack = "1m\u{2028}    nginx.ingress.kubernetes.io/server-snippet: return 200 pwned;"
        try Self.expectRefusedAndWrittenSafely(FreeText(annotation: attack, config: [], beat: ["celery"], cron: ["check"]),
                                               field: "ingress.annotations", attack: attack)
    }

    @Test("U+2029 and a document marker in config: refused, and never a key or document of its own")
    func paragraphSeparatorInConfig() throws {
        let attack = "a\u{2029}  INJECTED: \"1\"\n---\napiVersion: v1\nkind: Secret\n"
        try Self.expectRefusedAndWrittenSafely(FreeText(annotation: "1m", config: [("X", attack)], beat: ["celery"], cron: ["check"]),
                                               field: "config.X", attack: attack)
    }

    @Test("a document marker and keys in plain multi-line config stay one value")
    func documentMarkerInConfig() throws {
        let value = "a\n---\napiVersion: v1\nkind: Secret\nINJECTED: 1\n"
        let manifests = try Self.render(FreeText(annotation: "1m", config: [("X", value)], beat: ["celery"], cron: ["check"]))
        let documents = try Yams.compose_all(yaml: manifests.stream).map { $0 }
        #expect(documents.count == manifests.objects.count)
        let configMap = try #require(manifests.objects.first { $0.kind == "ConfigMap" && $0.name == "prop-config" })
        let data = try #require(try Yams.compose(yaml: configMap.tree.yaml)?["data"])
        #expect(data["INJECTED"] == nil && data["X"]?.string == value)
    }

    // MARK: - The class: random text, read back by real parsers

    /// Text an attacker would try: every control character, the separators, format and private-use
    /// characters, YAML's indicators and words, and random code points from all of Unicode.
    enum HostileText {
        static let pieces: [String] = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
            + (0x7F...0x9F).map { String(Unicode.Scalar($0)!) }
            + ["\u{2028}", "\u{2029}", "\u{FEFF}", "\u{200B}", "\u{200E}", "\u{202E}", "\u{2066}", "\u{AD}", "\u{E000}",
               "\u{FFFD}", "\u{FFFE}", "\u{FFFF}", "\u{E0001}", "\u{1D173}", "\u{10FFFF}", "\u{1F600}", "\u{301}",
               "\u{A0}", "\u{3000}", "é", "日本", "שלום", "\r\n", "\n", "\t", " ", ": ", "- ", "#", "&a", "*a", "!!str",
               "|", ">", "'", "\"", "%", "@", "`", "{", "}", "[", "]", ",", "?", "---", "...", "<<", "~", "yes", "no",
               "on", "null", "true", "0x1F", "1e3", "1:30", ".inf", "0440", "\\", "\\n", "\\u2028", "key: value",
               "\n  hostNetwork: true", "\u{85}kind: Secret"]

        /// The pieces app.yaml's free-text fields accept.
        static let printablePieces = pieces.filter { piece in
            piece.unicodeScalars.allSatisfy { "\n\r".unicodeScalars.contains($0) || !Escaping.mustEscape($0) }
        }

        /// Up to ten pieces and random code points; with `printable`, only what the free-text
        /// fields accept, so that a case reaches the writers.
        static func make(using generator: inout some RandomNumberGenerator, printable: Bool = false) -> String {
            var text = ""
            for _ in 0..<Int.random(in: 0...10, using: &generator) {
                if Bool.random(using: &generator) {
                    text += (printable ? printablePieces : pieces).randomElement(using: &generator)!
                } else {
                    var value = UInt32.random(in: 0...0x10FFFF, using: &generator)
                    if (0xD800...0xDFFF).contains(value) { value = 0xFFFD }
                    let scalar = Unicode.Scalar(value)!
                    if !printable || !Escaping.mustEscape(scalar) { text.unicodeScalars.append(scalar) }
                }
            }
            return text
        }
    }

    /// A seeded generator (SplitMix64), so that a failing case can be run again.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seed: UInt64 = ProcessInfo.processInfo.environment["DJTEST_SEED"].flatMap { UInt64($0) } ?? 20_261_130

    /// Free text for every field: in one case out of four anything at all (which the checks
    /// refuse), else what the free-text fields accept.
    static func randomCase(_ generator: inout SeededGenerator) -> FreeText {
        let printable = Int.random(in: 0..<4, using: &generator) > 0
        func text() -> String { HostileText.make(using: &generator, printable: printable) }
        func nonEmpty() -> String {
            let made = text()
            return made.isEmpty ? "x" : made
        }
        return FreeText(
            annotation: text(),
            config: (0..<Int.random(in: 1...4, using: &generator)).map { ("X_\($0)", text()) },
            beat: (0..<Int.random(in: 1...3, using: &generator)).map { _ in nonEmpty() },
            cron: (0..<Int.random(in: 1...3, using: &generator)).map { _ in nonEmpty() })
    }

    /// Asks PyYAML (a YAML 1.1 reader, as checkov uses) whether each YAML stream reads as exactly
    /// the objects that Python's JSON reader finds in the JSON the same trees wrote. Returns the
    /// cases that differ, with the first difference of the first one.
    static func differences(_ cases: [(yaml: String, json: [String])]) throws -> String {
        let input = try JSONSerialization.data(withJSONObject: cases.map { ["yaml": $0.yaml, "json": $0.json] })
        let script = """
            import json, sys, yaml
            bad = []
            for index, case in enumerate(json.load(sys.stdin)):
                read = list(yaml.safe_load_all(case["yaml"]))
                meant = [json.loads(text) for text in case["json"]]
                key = lambda o: (o["kind"], o["metadata"]["name"])
                if sorted(read, key=key) != sorted(meant, key=key):
                    bad.append(index)
                    if len(bad) == 1:
                        for a, b in zip(sorted(read, key=key), sorted(meant, key=key)):
                            if a != b:
                                print("case", index, "read:", json.dumps(a, ensure_ascii=True)[:1500])
                                print("case", index, "meant:", json.dumps(b, ensure_ascii=True)[:1500])
                                break
                        else:
                            print("case", index, "read", len(read), "objects, meant", len(meant))
            if bad:
                print("differing cases:", bad)
            """
        let result = try runProgram(try Tools.kubeVirtualenv("python"), ["-c", script],
                                    input: String(decoding: input, as: UTF8.self))
        guard result.status == 0 else { throw TestFailure("PyYAML failed: \(result.error)") }
        return result.output
    }

    /// A random tree: maps, lists, numbers and hostile strings, keys included.
    static func randomTree(_ generator: inout SeededGenerator, depth: Int = 0) -> Tree {
        switch Int.random(in: 0..<(depth < 3 ? 5 : 3), using: &generator) {
        case 0: return .int(Int.random(in: -1000...1000, using: &generator))
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .string(HostileText.make(using: &generator))
        case 3: return .list((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomTree(&generator, depth: depth + 1) })
        default:
            var keys: [String] = []
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                let key = HostileText.make(using: &generator)
                if !keys.contains(key) { keys.append(key) }
            }
            return .map(keys.map { Tree.Entry($0, randomTree(&generator, depth: depth + 1)) })
        }
    }

    @Test("any tree, with any text in its keys and values, reads back through PyYAML as the JSON writer wrote it")
    func writersAgreeOnAnyText() throws {
        var generator = SeededGenerator(state: Self.seed)
        var cases: [(yaml: String, json: [String])] = []
        for index in 0..<500 {
            // Each tree inside an object, as the manifests' documents are.
            let object: Tree = ["kind": "Probe", "metadata": ["name": .string("case-\(index)")],
                                "data": Self.randomTree(&generator)]
            cases.append(("---\n" + object.yaml + "---\n" + object.yaml, [object.json, object.json]))
        }
        let report = try Self.differences(cases)
        #expect(report.isEmpty, "seed \(Self.seed):\n\(report)")
    }

    /// Renders random free text into manifests, or nil where app.yaml's checks refuse it (which
    /// they must do on one line per problem).
    static func randomManifests(_ count: Int, seed: UInt64) throws -> [Manifests] {
        var generator = SeededGenerator(state: seed)
        var rendered: [Manifests] = []
        for _ in 0..<count {
            do {
                rendered.append(try render(randomCase(&generator)))
            } catch let error as InputError {
                #expect(error.description.split(separator: "\n", omittingEmptySubsequences: false).count
                    == error.problems.count, "\(error.description.debugDescription)")
            }
        }
        return rendered
    }

    @Test("random text in every free-text field is refused, or reads back unchanged through PyYAML, adding no key, object or document")
    func randomTextThroughPyYAML() throws {
        let cases = try Self.randomManifests(400, seed: Self.seed &+ 1).map { manifests in
            (yaml: manifests.stream, json: manifests.objects.map(\.tree.json))
        }
        #expect(cases.count >= 40, "too few cases got through the checks to test the writers")
        let report = try Self.differences(cases)
        #expect(report.isEmpty, "seed \(Self.seed &+ 1):\n\(report)")
    }

    @Test("random text in every free-text field is refused, or reads back unchanged through kubectl kustomize (go-yaml)")
    func randomTextThroughKustomize() throws {
        let kubectl = try Tools.kube("kubectl")
        var cases: [(yaml: String, json: [String])] = []
        for manifests in try Self.randomManifests(200, seed: Self.seed &+ 2).prefix(25) {
            let folder = try temporaryDirectory("djinit-kustomize")
            defer { try? FileManager.default.removeItem(at: folder) }
            try OutputFolder(folder.path).replace(with: manifests.files)
            let built = try runProgram(kubectl, ["kustomize", folder.path])
            #expect(built.status == 0, "\(built.error)")
            cases.append((built.output, manifests.objects.map(\.tree.json)))
        }
        #expect(cases.count == 25, "too few cases got through the checks to test kustomize")
        let report = try Self.differences(cases)
        #expect(report.isEmpty, "seed \(Self.seed &+ 2):\n\(report)")
    }

    @Test("random text in a checked field is refused on one line per problem, or reads back unchanged")
    func randomTextInCheckedFields() throws {
        var generator = SeededGenerator(state: Self.seed &+ 3)
        let fields = ["name", "image", "hosts", "config key", "annotation key", "cron name", "cron schedule",
                      "cron deadline", "volume mountPath", "secret"]
        for round in 0..<400 {
            let hostile = HostileText.make(using: &generator)
            let field = fields[round % fields.count]
            var tree: [String: Tree] = [
                "name": "prop", "image": .string("ghcr.io/acme/prop:1.0@" + Self.digest), "hosts": ["prop.example.com"],
            ]
            switch field {
            case "name": tree["name"] = .string(hostile)
            case "image": tree["image"] = .string(hostile)
            case "hosts": tree["hosts"] = [.string(hostile)]
            case "config key": tree["config"] = .map([Tree.Entry(hostile, "1")])
            case "annotation key": tree["ingress"] = ["annotations": .map([Tree.Entry(hostile, "1")])]
            case "cron name": tree["cronJobs"] = [["name": .string(hostile), "schedule": "0 3 * * *", "command": ["check"]]]
            case "cron schedule": tree["cronJobs"] = [["name": "c", "schedule": .string(hostile), "command": ["check"]]]
            case "cron deadline": tree["cronJobs"] = [["name": "c", "schedule": "0 3 * * *", "command": ["check"], "deadline": .string(hostile)]]
            case "volume mountPath": tree["volume"] = ["size": "1Gi", "mountPath": .string(hostile)]
            default: tree["secrets"] = .map([Tree.Entry("S", .string(hostile))])
            }
            let text = Tree.map(tree.sorted { $0.key < $1.key }.map { Tree.Entry($0.key, $0.value) }).yaml
            do {
                let app = try AppSpec(yaml: text, file: "app.yaml")
                let platform = try PlatformSpec(yaml: Examples.platform, file: "platform.yaml")
                let manifests = Manifests(try Plan(app: app, platform: platform))
                let documents = try Yams.compose_all(yaml: manifests.stream).map { $0 }
                #expect(documents.count == manifests.objects.count, "\(field): \(hostile.debugDescription)")
            } catch let error as InputError {
                #expect(error.description.split(separator: "\n", omittingEmptySubsequences: false).count
                    == error.problems.count, "\(field): \(error.description.debugDescription)")
            }
        }
    }
}
