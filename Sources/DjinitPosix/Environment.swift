import CDjinitShim

/// The process environment, read once.
public enum ProcessEnvironment {
    /// Every `NAME=value` entry of `environ`, in order.
    ///
    /// An array of pairs rather than a dictionary on purpose: djinit starts on every exec probe,
    /// and in a static binary the first `Dictionary<String, String>` costs a scan of every
    /// protocol conformance in the binary, more than the rest of start-up together.
    public static func current() -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        guard var entry = djinit_environ() else { return result }
        while let pointer = entry.pointee {
            let length = strlen(pointer)
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                result.append((String(decoding: bytes[..<equals], as: UTF8.self),
                               String(decoding: bytes[(equals + 1)...], as: UTF8.self)))
            }
            entry += 1
        }
        return result
    }
}

/// The process's command line, as `main` was given it: `arguments[0]` is the program.
///
/// From the C library rather than `CommandLine`, which Embedded Swift does not have.
public enum ProcessArguments {
    public static func current() -> [String] {
        guard let argv = djinit_argv() else { return [] }
        return (0..<Int(djinit_argc())).compactMap { index in argv[index].map { String(cString: $0) } }
    }
}

/// Facts about the running process.
public enum CurrentProcess {
    /// This process's ID.
    public static var id: pid_t { getpid() }

    /// The absolute path of the working directory; nil if it cannot be read (it was deleted).
    public static var workingDirectory: String? {
        // glibc sizes the buffer itself: no page to zero on every start.
        guard let path = getcwd(nil, 0) else { return nil }
        defer { free(path) }
        return String(cString: path)
    }

    /// The host name: in a pod, the pod's name. "?" if it cannot be read.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Moves this process to `path`.
    public static func changeDirectory(to path: String) throws(SystemError) {
        _ = try syscall("chdir(\(path))") { chdir(path) }
    }

    /// Sets a variable of this process's own environment, which children inherit and libpq reads.
    public static func setEnvironmentVariable(_ name: String, _ value: String) {
        setenv(name, value, 1)
    }

    /// Ends this process with `code`.
    public static func exit(_ code: Int32) -> Never {
        systemExit(code)
    }

    /// Whether this process is PID 1 of its PID namespace, the one the kernel re-parents orphans to.
    public static var isInit: Bool { getpid() == 1 }

    /// Makes this process a child subreaper: orphaned descendants are re-parented to it, so it
    /// can reap and drain them as PID 1 would.
    public static func becomeSubreaper() throws(SystemError) {
        _ = try syscall("prctl(PR_SET_CHILD_SUBREAPER)") { djinit_set_child_subreaper() }
    }
}

/// Limits the kernel sets on the programs djinit starts.
public enum ProcessLimits {
    /// The most bytes of arguments and environment a program may be given (`ARG_MAX`, a quarter of
    /// the stack limit on Linux), with 128 KiB assumed if it cannot be read.
    public static var argumentBytes: Int {
        let value = sysconf(Int32(_SC_ARG_MAX))
        return value > 0 ? value : 128 * 1024
    }
}
