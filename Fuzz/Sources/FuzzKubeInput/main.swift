import DjinitKubeModel
import FuzzDriver

/// The example platform (with ArgoCD, the init step as a Sync hook), and one with ReadWriteOnce
/// storage and no digest required, so that both sets of rules run.
// Top-level code runs in order: defined before the fuzzer starts.
let platforms = [
    try! PlatformSpec(yaml: Examples.platform, file: "platform.yaml"),
    try! PlatformSpec(yaml: Examples.platform.replacingOccurrences(of: "accessMode: ReadWriteMany", with: "accessMode: ReadWriteOnce")
        .replacingOccurrences(of: "requireImageDigest: true", with: "requireImageDigest: false"), file: "platform.yaml"),
]

/// The app.yaml reader and everything after it: checks against a platform, the plan, and the
/// rendered objects in YAML and JSON. The input is an app.yaml; nothing may crash, and an error
/// lists each problem on one line.
runFuzzer { data, size in
    let text = text(data, size)
    checked { () throws(InputError) in
        let app = try AppSpec(yaml: text, file: "app.yaml")
        for platform in platforms {
            checked { () throws(InputError) in
                for object in Manifests(try Plan(app: app, platform: platform)).objects {
                    _ = object.tree.yaml
                    _ = object.tree.json
                }
            }
        }
    }
    // The platform's own reader, on the same text.
    checked { () throws(InputError) in _ = try PlatformSpec(yaml: text, file: "platform.yaml") }
    return 0
}

/// Runs `body`; an error must list each problem on one line.
func checked(_ body: () throws(InputError) -> Void) {
    do {
        try body()
    } catch {
        if error.description.split(separator: "\n", omittingEmptySubsequences: false).count != error.problems.count {
            fatalError("a problem spans several lines")
        }
    }
}
