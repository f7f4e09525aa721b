import DjinitLogging
import DjinitPosix
import DjinitSettings
import DjinitText

/// `DJINIT_SECRETS_DIR`: a directory of files, such as a mounted Kubernetes Secret, that become
/// environment variables of djinit and its children, so that secrets reach Django's environment
/// without being written into the pod spec as `env` entries.
///
/// Kubernetes mounts a Secret as `NAME -> ..data/NAME` symlinks, where `..data` is itself a
/// symlink to a timestamped `..2024_...` directory that is swapped atomically on update. So names
/// starting with `..` are Kubernetes' bookkeeping and are skipped, and symlinks are followed to the
/// file they name. Everything else must be a regular file with a valid variable name: a file that
/// cannot become a variable is an error naming it, never silently left out, since a secret that
/// quietly goes missing surfaces much later as a confusing failure of the application.
///
/// Values are never logged; only the names are.
enum SecretsDirectory {
    /// Why the directory cannot be loaded; names the file, never a value.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The longest `NAME=value` string the kernel passes to a program (`MAX_ARG_STRLEN`, 32
    /// pages, the terminating NUL included): a longer variable would make every spawn fail.
    static let variableLimit = 32 * 4096

    /// How much of the kernel's limit on a program's arguments and environment together
    /// (`ARG_MAX`) the secrets may take: three quarters, leaving the rest to the command line and
    /// the other variables.
    static var environmentBudget: Int { ProcessLimits.argumentBytes / 4 * 3 }

    /// The variables the files in `directory` define, sorted by name.
    /// - Throws: `Problem` naming the first file that cannot become a variable.
    static func variables(in directory: String) throws(Problem) -> [(name: String, value: String)] {
        let names: [String]
        do {
            names = try DirectoryReader.names(in: directory)
        } catch {
            throw Problem(description: "\(Schema.secretsDir.name): cannot open \(directory): \(error.reason)")
        }
        var variables: [(name: String, value: String)] = []
        // Names starting with `..` are Kubernetes' bookkeeping (see the type's comment).
        for name in names.sorted() where !name.hasPrefix("..") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            variables.append((name, try value(of: path, name: name)))
        }
        let total = variables.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 + MemoryLayout<UnsafeRawPointer>.size }
        let allowed = environmentBudget
        guard total <= allowed else {
            throw Problem(description: "\(Schema.secretsDir.name): the secrets in \(directory) are \(total) bytes as "
                + "environment variables; a program may be given at most \(ProcessLimits.argumentBytes) bytes of "
                + "arguments and environment, of which they may take \(allowed)")
        }
        return variables
    }

    /// Loads the directory `settings` name into djinit's own environment, where a secret
    /// replaces a variable of the same name, and returns the environment with the secrets in it.
    ///
    /// Into the process environment, not only the children's: libpq reads `PGPASSWORD` and
    /// friends from it for djinit's own connections (`init`'s wait and locks, `async`'s beat
    /// lock), and every child inherits it. Settings are then read again from the result, so a
    /// `DATABASE_URL` kept in the secret is checked like any other.
    static func apply(to environment: Environment, settings: Settings, logger: Logger) throws(Problem) -> Environment {
        guard let directory = settings[Schema.secretsDir] else { return environment }
        let secrets = try variables(in: directory.path)
        for secret in secrets { CurrentProcess.setEnvironmentVariable(secret.name, secret.value) }
        logger.info("secrets", "read secrets into the environment", [
            "directory": LogValue(directory.path), "names": LogValue(secrets.map { $0.name }.joined(separator: ",")),
        ])
        let names = secrets.map { $0.name }
        return Environment(environment.entries.filter { !names.contains($0.name) } + secrets)
    }

    private static func value(of path: String, name: String) throws(Problem) -> String {
        guard isVariableName(name) else {
            throw Problem(description: "\(Schema.secretsDir.name): file \(Escaping.quotedValue(name)) is not a valid environment "
                + "variable name ([A-Za-z_][A-Za-z0-9_]*); rename the secret's key")
        }
        guard !name.hasPrefix(Schema.ownPrefix) else {
            // djinit reads its settings before it reads this directory, so such a file would reach
            // the child but never configure djinit: refuse it rather than let it look applied.
            throw Problem(description: "\(Schema.secretsDir.name): file \(Escaping.quotedValue(name)) names a djinit setting; "
                + "settings come from the environment, not from the secrets directory")
        }
        let status: FileStatus
        do {
            status = try FileStatus(path)
        } catch {
            throw Problem(description: "\(Schema.secretsDir.name): cannot read \(Escaping.quotedValue(name)): \(error.reason)")
        }
        guard status.kind == .regular else {
            throw Problem(description: "\(Schema.secretsDir.name): \(Escaping.quotedValue(name)) is not a regular file; only files become variables")
        }
        // NAME=value and its NUL must fit in one of the kernel's argument strings.
        let largest = variableLimit - name.utf8.count - 2
        guard status.size <= largest + 1 else {
            throw Problem(description: "\(Schema.secretsDir.name): \(Escaping.quotedValue(name)) is \(status.size) bytes; "
                + "an environment variable of that name can hold at most \(largest) (the kernel passes at most "
                + "\(variableLimit) bytes per variable)")
        }
        // One byte beyond the largest value (a trailing newline may still be dropped); more is
        // never read, whatever the file grew to since stat.
        var bytes: [UInt8]
        do {
            bytes = try FileReader.read(path, limit: largest + 2)
        } catch {
            throw Problem(description: "\(Schema.secretsDir.name): cannot read \(Escaping.quotedValue(name)): \(error.reason)")
        }
        // Editors and `echo` end files with a newline nobody means as part of the secret.
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        guard bytes.count <= largest else {
            throw Problem(description: "\(Schema.secretsDir.name): \(Escaping.quotedValue(name)) is larger than \(largest) bytes, "
                + "the most an environment variable of that name can hold")
        }
        guard !bytes.contains(0) else {
            throw Problem(description: "\(Schema.secretsDir.name): \(Escaping.quotedValue(name)) contains a NUL byte, which an environment variable cannot hold")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problem(description: "\(Schema.secretsDir.name): \(Escaping.quotedValue(name)) is not UTF-8 text")
        }
        return text
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`: what a POSIX shell, and so Django's deployment scripts, accept.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
