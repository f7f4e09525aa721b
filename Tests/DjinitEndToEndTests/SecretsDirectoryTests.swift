import DjinitSettings
import DjinitTestSupport
import Foundation
import Testing

/// `DJINIT_SECRETS_DIR`: the files of a directory become variables of the child, laid out as
/// Kubernetes mounts a Secret.
@Suite struct SecretsDirectoryTests {
    let directory: URL
    let secrets: URL

    init() throws {
        directory = try TestPaths.temporaryDirectory()
        secrets = directory.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
    }

    /// Lays files out as the kubelet does: the data in a timestamped folder, `..data` a symlink to
    /// it, and each name a symlink through `..data`.
    func mountLikeKubernetes(_ files: [String: String]) throws {
        let manager = FileManager.default
        let data = secrets.appendingPathComponent("..2026_11_22_01_00_00.123456789")
        try manager.createDirectory(at: data, withIntermediateDirectories: true)
        for (name, value) in files {
            try value.write(to: data.appendingPathComponent(name), atomically: true, encoding: .utf8)
            try manager.createSymbolicLink(atPath: secrets.appendingPathComponent(name).path, withDestinationPath: "..data/\(name)")
        }
        try manager.createSymbolicLink(atPath: secrets.appendingPathComponent("..data").path, withDestinationPath: data.lastPathComponent)
    }

    /// Runs `djinit exec` with the secrets directory, the child writing its environment to a file.
    func runChild(extra: [String: String] = [:]) throws -> (code: Int32, environment: [String], log: String) {
        let dump = directory.appendingPathComponent("environment").path
        let djinit = try DjinitProcess(["exec", "--", "sh", "-c", "env > \(dump)"],
                                       environment: [Schema.secretsDir.name: secrets.path].merging(extra) { $1 },
                                       directory: directory)
        let code = try djinit.waitForExit()
        return (code, lines(of: dump), djinit.log)
    }

    @Test("each file becomes a variable of the child, with one trailing newline dropped")
    func filesBecomeVariables() throws {
        try mountLikeKubernetes([
            "DJANGO_SECRET_KEY": "s3cr3t-value\n",
            "PGPASSWORD": "pw with spaces",
            "MULTILINE": "line one\nline two\n\n",
        ])
        // A plain file beside the mounted ones is read the same way.
        try "plain\n".write(to: secrets.appendingPathComponent("PLAIN_FILE"), atomically: true, encoding: .utf8)
        let result = try runChild(extra: ["PGPASSWORD": "inherited"])
        #expect(result.code == 0, "log:\n\(result.log)")
        #expect(result.environment.contains("DJANGO_SECRET_KEY=s3cr3t-value"))
        #expect(result.environment.contains("PLAIN_FILE=plain"))
        // The secret replaces an inherited variable of the same name.
        #expect(result.environment.contains("PGPASSWORD=pw with spaces"))
        #expect(!result.environment.contains("PGPASSWORD=inherited"))
        #expect(result.environment.contains("MULTILINE=line one"))
        #expect(!result.environment.contains { $0.hasPrefix("..") || $0.hasPrefix("..data") })
        #expect(result.environment.contains { $0.hasPrefix("PATH=") }, "the rest of the environment is inherited")
        #expect(result.log.contains("names=DJANGO_SECRET_KEY,MULTILINE,PGPASSWORD,PLAIN_FILE"), "\(result.log)")
        #expect(!result.log.contains("s3cr3t-value"), "a secret value was logged")
    }

    @Test("a file whose name is not a variable name is an error naming it, and nothing starts",
          arguments: ["my-key", "1PASSWORD", "tls.crt", ".hidden"])
    func badName(_ name: String) throws {
        try mountLikeKubernetes(["GOOD": "value", name: "value"])
        let result = try runChild()
        #expect(result.code == 2)
        #expect(result.log.contains("file '\(name)' is not a valid environment variable name"), "\(result.log)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("environment").path))
    }

    @Test("a subdirectory, a djinit setting and a missing directory are errors too")
    func otherErrors() throws {
        try FileManager.default.createDirectory(at: secrets.appendingPathComponent("NESTED"), withIntermediateDirectories: true)
        #expect(try runChild().log.contains("'NESTED' is not a regular file"))
        try FileManager.default.removeItem(at: secrets.appendingPathComponent("NESTED"))

        try "1m".write(to: secrets.appendingPathComponent("DJINIT_GRACE"), atomically: true, encoding: .utf8)
        let setting = try runChild()
        #expect(setting.code == 2)
        #expect(setting.log.contains("'DJINIT_GRACE' names a djinit setting"))
        try FileManager.default.removeItem(at: secrets)

        let missing = try runChild()
        #expect(missing.code == 2)
        #expect(missing.log.contains("cannot open \(secrets.path)"))
    }

    @Test("a secret too large for one environment variable exits 2 naming the file, before anything is spawned")
    func secretTooLargeForOneVariable() throws {
        try mountLikeKubernetes(["BIG": String(repeating: "x", count: 128 * 1024), "OK": "fine"])
        let (code, environment, log) = try runChild()
        #expect(code == 2, "\(log)")
        #expect(log.contains("'BIG' is 131072 bytes") && log.contains("DJINIT_SECRETS_DIR"), "\(log)")
        #expect(environment.isEmpty && !log.contains("started sh"))
    }
}
