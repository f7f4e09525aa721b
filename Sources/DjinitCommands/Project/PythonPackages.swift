import DjinitPosix
import DjinitSettings

/// Where the interpreter djinit starts (`DJINIT_PYTHON`) imports installed packages from, read
/// from the file system without starting it. `async`'s worker detection and `init`'s static-files
/// fingerprint both look there, by these same rules.
struct PythonPackages {
    /// The directories, in the order Python searches them, as far as djinit can tell: the
    /// virtualenv's (or the interpreter's prefix's) `lib/python3.*/site-packages`, Debian's and
    /// python.org's system directories, and `PYTHONPATH`.
    let directories: [String]

    init(directories: [String]) {
        self.directories = directories
    }

    /// - Parameters:
    ///   - python: a path, or a name looked up on `environment`'s `PATH`.
    init(python: String, environment: Environment) {
        var prefixes: [String] = []
        // Not resolved through symlinks: a virtualenv's bin/python links to the system's.
        if let executable = PythonPackages.executable(python, path: environment["PATH"]) {
            let parts = executable.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count >= 3, parts[parts.count - 2] == "bin" {
                prefixes.append(parts.dropLast(2).joined(separator: "/"))
            }
        }
        prefixes += ["/usr/local", "/usr"]
        var result: [String] = []
        for prefix in prefixes {
            for lib in ["/lib", "/lib64"] {
                for version in DirectoryReader.namesIfAny(in: prefix + lib).filter({ $0.hasPrefix("python3") }).sorted() {
                    result.append(prefix + lib + "/" + version + "/site-packages")
                    result.append(prefix + lib + "/" + version + "/dist-packages")
                }
            }
        }
        result.append("/usr/lib/python3/dist-packages")
        result += (environment["PYTHONPATH"] ?? "").split(separator: ":").map(String.init)
        self.init(directories: result)
    }

    /// Whether `package` is importable from one of the directories.
    func contains(_ package: String) -> Bool {
        directories.contains { FileStatus.exists($0 + "/" + package + "/__init__.py") }
    }

    /// `command` as it is if it has a slash, else the first executable of that name on `path`.
    static func executable(_ command: String, path: String?) -> String? {
        if command.contains("/") { return command }
        return (path ?? "").split(separator: ":").map { $0 + "/" + command }.first(where: FileStatus.isExecutable)
    }
}
