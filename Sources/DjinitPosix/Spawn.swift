import CDjinitShim

/// Why a command could not be started.
public enum SpawnError: Error, Equatable, CustomStringConvertible {
    /// No such file, or not found on `PATH` (exit code 127, as in a shell).
    case notFound(String)
    /// Found but not executable: permissions, a directory, not a binary (exit code 126).
    case notExecutable(String, SystemError)
    /// Any other failure of posix_spawn (out of memory, too many processes).
    case failed(String, SystemError)

    public var description: String {
        switch self {
        case .notFound(let command): "\(command): command not found"
        case .notExecutable(let command, let error): "\(command): cannot execute: \(error.description.dropFirst("posix_spawn: ".count))"
        case .failed(let command, let error): "\(command): \(error)"
        }
    }
}

/// Starting children the way PID 1 must.
public enum Spawner {
    /// Starts `arguments` (looked up on `PATH` when it has no slash) as a new process.
    ///
    /// The child starts with an empty signal mask and every signal at its default action, whatever
    /// djinit blocks or ignores, in a process group of its own (so a forwarded signal can address
    /// the group), and in the terminal's foreground when djinit's standard input is its
    /// controlling terminal. Standard input, output and error are inherited untouched: djinit
    /// never copies a child's output.
    ///
    /// - Parameters:
    ///   - environment: `NAME=value` entries; nil passes djinit's own environment.
    ///   - workingDirectory: where the child starts; nil for djinit's own working directory.
    /// - Returns: the child's process ID.
    public static func spawn(_ arguments: [String], environment: [String]? = nil,
                             workingDirectory: String? = nil) throws(SpawnError) -> pid_t {
        precondition(!arguments.isEmpty, "spawn needs a command")
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawnattr_init(&attributes)
        posix_spawn_file_actions_init(&actions)
        defer {
            posix_spawnattr_destroy(&attributes)
            posix_spawn_file_actions_destroy(&actions)
        }

        var mask = SignalSet.empty.raw
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        // Only when the terminal really is ours: tcsetpgrp on anything else fails the whole spawn.
        if isatty(STDIN_FILENO) == 1 && tcgetpgrp(STDIN_FILENO) != -1 {
            djinit_spawn_file_actions_addtcsetpgrp(&actions, STDIN_FILENO)
        }
        if let workingDirectory { djinit_spawn_file_actions_addchdir(&actions, workingDirectory) }

        var pid: pid_t = 0
        let result = withCStrings(arguments) { argv in
            if let environment {
                return withCStrings(environment) { envp in posix_spawnp(&pid, argv[0]!, &actions, &attributes, argv, envp) }
            }
            return posix_spawnp(&pid, argv[0]!, &actions, &attributes, argv, djinit_environ())
        }
        switch result {
        case 0: return pid
        case ENOENT, ENOTDIR: throw .notFound(arguments[0])
        case EACCES, ENOEXEC, EISDIR, EPERM: throw .notExecutable(arguments[0], SystemError("posix_spawn", errno: result))
        default: throw .failed(arguments[0], SystemError("posix_spawn", errno: result))
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call, as C's
/// `char *argv[]` parameters take them.
///
/// One block of pointers rather than an `Array` of optional pointers: an array of a type the
/// standard library has not prespecialized has its metadata built at run time, on the first call
/// of every start, and an exec probe starts every few seconds (issue 14).
public func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
    var filled = 0
    for string in strings {
        (pointers + filled).initialize(to: strdup(string))
        filled += 1
    }
    (pointers + filled).initialize(to: nil)
    defer {
        for index in 0..<filled { free(pointers[index]) }
        pointers.deallocate()
    }
    return body(pointers)
}
