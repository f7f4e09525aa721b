import ArgumentParser
import DjinitKubeModel
import DjinitSettings
import Foundation

/// `djinit-kube`: Kubernetes manifests for a djinit image, from the customer's app.yaml and the
/// hoster's platform.yaml, as plain files or through the djinit-app Helm chart and ArgoCD.
@main
struct DjinitKube: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "djinit-kube",
        abstract: "Write validated Kubernetes manifests for a Django app that runs under djinit.",
        discussion: """
            app.yaml is the customer's (image, configuration, sealed secrets, hosts, worker, cron jobs); \
            platform.yaml is the hoster's (namespace, resources and their bounds, storage, database, \
            pooler, network, ArgoCD). The platform wins: a value in app.yaml beyond a platform bound is an error.

            Exit codes: 0 success; 1 an output could not be written, or `values --check` found a \
            difference; 2 bad input or command line, with file:line:column messages, and nothing written.
            """,
        version: Release.current.description,
        subcommands: [Render.self, Check.self, Values.self, ArgoCDCommand.self, Fleet.self, Chart.self,
                      SchemaCommand.self, InitCommand.self])

    /// Runs the command; usage errors exit 2 like djinit's own, rather than ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    print(message)
                } else {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                }
            }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// Errors on standard error, then exit 2: the inputs are wrong, and nothing was written.
func failInput(_ error: InputError) -> ExitCode {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    return ExitCode(2)
}

/// The text of an input file, or an input error naming it.
func readInput(_ path: String) throws(InputError) -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw InputError([InputProblem(Position(file: path, line: 1, column: 1, path: ""),
                                       "cannot read the file: \(error.localizedDescription)")])
    }
}

/// Writes `text` to standard output, or `files` into the folder `out` (replacing what an
/// earlier run wrote there).
func write(_ files: [(name: String, contents: String)], stream: String, to out: String) throws {
    if out == "-" {
        print(stream, terminator: "")
        return
    }
    do {
        try OutputFolder(out).replace(with: files)
    } catch {
        FileHandle.standardError.write(Data("djinit-kube: cannot write \(out): \(error.localizedDescription)\n".utf8))
        throw ExitCode.failure
    }
}

/// The two input files, read and checked against each other.
struct Inputs: ParsableArguments {
    @Option(help: "The customer's file.")
    var app: String

    @Option(help: "The hoster's file.")
    var platform: String

    func plan() throws -> Plan {
        do {
            let appSpec = try AppSpec(yaml: try readInput(app), file: app)
            let platformSpec = try PlatformSpec(yaml: try readInput(platform), file: platform)
            return try Plan(app: appSpec, platform: platformSpec)
        } catch {
            throw failInput(error)
        }
    }
}

/// platform.yaml alone.
struct PlatformInput: ParsableArguments {
    @Option(help: "The hoster's file.")
    var platform: String

    func spec() throws -> PlatformSpec {
        do {
            return try PlatformSpec(yaml: try readInput(platform), file: platform)
        } catch {
            throw failInput(error)
        }
    }
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the manifests: one file per object and a kustomization.yaml, or one stream.",
        discussion: "The objects are the same as the djinit-app chart renders for the same two files.")

    @OptionGroup var inputs: Inputs

    @Option(help: "Output folder (created if missing), or - for one multi-document stream on standard output.")
    var out: String

    func run() throws {
        let manifests = Manifests(try inputs.plan())
        try write(manifests.files, stream: manifests.stream, to: out)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check app.yaml against platform.yaml as render does, and write nothing.",
        discussion: "For the customer's CI and the hoster's: every problem with file:line:column, exit 2.")

    @OptionGroup var inputs: Inputs

    func run() throws {
        let plan = try inputs.plan()
        print("ok: \(inputs.app) fits \(inputs.platform) (\(Manifests(plan).objects.count) objects)")
    }
}

struct Values: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the hoster's values of the djinit-app chart: platform.yaml complete, and its digest.",
        discussion: """
            These are the Application's valuesObject, and the per-app files of a fleet's ApplicationSet. \
            With --check FILE, compare FILE with them instead (exit 1 if it differs), for the hoster's CI.
            """)

    @OptionGroup var input: PlatformInput

    @Option(help: "A values file to compare, rather than print.")
    var check: String?

    func run() throws {
        let values = ChartValues(try input.spec()).tree.yaml
        guard let check else {
            print(values, terminator: "")
            return
        }
        guard (try? String(contentsOfFile: check, encoding: .utf8)) == values else {
            let message = "djinit-kube: \(check) is not the values of \(input.platform); "
                + "write it again with djinit-kube values --platform \(input.platform)\n"
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode.failure
        }
        print("ok: \(check) matches \(input.platform)")
    }
}

struct ArgoCDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argocd",
        abstract: "Write the app's ArgoCD Application and AppProject, from platform.yaml's argocd section.")

    @OptionGroup var input: PlatformInput

    @Option(help: "Output folder (created if missing), or - for one stream on standard output.")
    var out: String

    func run() throws {
        let platform = try input.spec()
        guard let objects = ArgoCDObjects(platform) else {
            throw failInput(InputError([InputProblem(Position(file: input.platform, line: 1, column: 1, path: "argocd"),
                                                     "platform.yaml has no argocd section to write the objects from")]))
        }
        let stream = Manifests.header + [objects.application, objects.project].map { "---\n" + $0.tree.yaml }.joined()
        try write(objects.files, stream: stream, to: out)
    }
}

struct Fleet: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an ApplicationSet that makes one Application per values file in the hoster's repository.",
        discussion: "Each file is what `djinit-kube values` writes for one app; keep them in step with `values --check`.")

    @Option(help: "The hoster's Git repository.")
    var repo: String

    @Option(help: "Its branch, tag or commit.")
    var revision = "HEAD"

    @Option(help: "Which files are the apps' values (a glob).")
    var files = "apps/*/values.yaml"

    @Option(help: "The ApplicationSet's name.")
    var name = "djinit-apps"

    @Option(help: "Where ArgoCD runs.")
    var namespace = "argocd"

    func run() {
        let set = FleetApplicationSet.make(name: name, repoURL: repo, revision: revision, files: files, namespace: namespace)
        print(Manifests.header + set.tree.yaml, terminator: "")
    }
}

struct Chart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the generated files of the djinit-app chart (values schema, constants) into its folder.",
        discussion: "They come from djinit's settings schema and the two files' shapes; a test checks they are current.")

    @Option(help: "The chart's folder, such as charts/djinit-app.")
    var out: String

    func run() throws {
        for file in ChartFiles.generated {
            let path = out + "/" + file.name
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try file.contents.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("djinit-kube: cannot write \(path): \(error.localizedDescription)\n".utf8))
                throw ExitCode.failure
            }
            print("wrote \(path)")
        }
    }
}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print the JSON Schema of app.yaml or platform.yaml, for editors.")

    enum Which: String, ExpressibleByArgument, CaseIterable {
        case app, platform
    }

    @Argument(help: "app or platform.")
    var which: Which

    func run() {
        switch which {
        case .app: print(AppSpec.shape.jsonSchema(title: "djinit-kube app.yaml").json, terminator: "")
        case .platform: print(PlatformSpec.shape.jsonSchema(title: "djinit-kube platform.yaml").json, terminator: "")
        }
    }
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write commented example app.yaml and platform.yaml files, which render as written.")

    @Option(help: "Folder to write them into.")
    var dir = "."

    func run() throws {
        let files = [("app.yaml", Examples.app), ("platform.yaml", Examples.platform)]
        for (name, _) in files where FileManager.default.fileExists(atPath: dir + "/" + name) {
            FileHandle.standardError.write(Data("djinit-kube: \(dir)/\(name) exists; not overwriting anything\n".utf8))
            throw ExitCode(2)
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            print("wrote \(dir)/\(name)")
        }
    }
}
