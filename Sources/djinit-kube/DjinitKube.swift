import ArgumentParser
import DjinitKubeModel
import Foundation

/// `djinit-kube`: Kubernetes manifests for a djinit image, from the customer's app.yaml and the
/// hoster's platform.yaml.
@main
struct DjinitKube: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "djinit-kube",
        abstract: "Write validated Kubernetes manifests for a Django app that runs under djinit.",
        discussion: """
            app.yaml is the customer's (image, configuration, sealed secrets, hosts, worker, cron jobs); \
            platform.yaml is the hoster's (namespace, resources and their bounds, storage, database, \
            pooler, network). The platform wins: a value in app.yaml beyond a platform bound is an error.

            Exit codes: 0 success; 1 an output could not be written; 2 bad input or command line, with \
            file:line:column messages, and nothing written.
            """,
        version: "0.1.0",
        subcommands: [Render.self, SchemaCommand.self, InitCommand.self])

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

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the manifests: one file per object and a kustomization.yaml, or one stream.")

    @Option(help: "The customer's file.")
    var app: String

    @Option(help: "The hoster's file.")
    var platform: String

    @Option(help: "Output folder (created if missing), or - for one multi-document stream on standard output.")
    var out: String

    @Flag(help: "Add an ArgoCD Application and sync waves (the init Job becomes a Sync hook).")
    var argocd = false

    func run() throws {
        let manifests: Manifests
        do {
            let appSpec = try AppSpec(yaml: try read(app), file: app)
            let platformSpec = try PlatformSpec(yaml: try read(platform), file: platform)
            manifests = Manifests(try Plan(app: appSpec, platform: platformSpec, options: RenderOptions(argoCD: argocd)))
        } catch let error as InputError {
            throw failInput(error)
        }
        if out == "-" {
            print(manifests.stream, terminator: "")
            return
        }
        do {
            try OutputFolder(out).replace(with: manifests.files)
        } catch {
            FileHandle.standardError.write(Data("djinit-kube: cannot write \(out): \(error.localizedDescription)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The file's text, or an input error naming it.
    private func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InputError([InputProblem(Position(file: path, line: 1, column: 1, path: ""),
                                           "cannot read the file: \(error.localizedDescription)")])
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
        commandName: "init", abstract: "Write commented example app.yaml and platform.yaml files.")

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
