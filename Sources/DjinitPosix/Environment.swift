#if canImport(Glibc)
import Glibc
#endif
import CDjinitShim

/// The process environment, read once.
public enum ProcessEnvironment {
    /// Every `NAME=value` entry of `environ`, as a dictionary. A name that appears twice keeps
    /// its first value, as getenv(3) does.
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        guard var entry = djinit_environ() else { return result }
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                let name = String(text[..<equals])
                if result[name] == nil { result[name] = String(text[text.index(after: equals)...]) }
            }
            entry += 1
        }
        return result
    }
}

/// Facts about the running process.
public enum CurrentProcess {
    /// This process's ID.
    public static var id: pid_t { getpid() }

    /// Whether this process is PID 1 of its PID namespace, the one the kernel re-parents orphans to.
    public static var isInit: Bool { getpid() == 1 }

    /// Makes this process a child subreaper: orphaned descendants are re-parented to it, so it
    /// can reap and drain them as PID 1 would.
    public static func becomeSubreaper() throws(SystemError) {
        guard djinit_set_child_subreaper() == 0 else { throw SystemError("prctl(PR_SET_CHILD_SUBREAPER)") }
    }
}
