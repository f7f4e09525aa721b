import CDjinitShim

/// How a process ended, as waitpid(2) reports it.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// It called exit with this code.
    case exited(Int32)
    /// A signal killed it.
    case signaled(Signal)

    /// Decodes a raw wait status.
    public init(waitStatus: Int32) {
        if djinit_wifsignaled(waitStatus) != 0 {
            self = .signaled(Signal(rawValue: djinit_wtermsig(waitStatus)))
        } else {
            self = .exited(djinit_wexitstatus(waitStatus))
        }
    }

    /// The exit code a shell would report, and the one djinit exits with: the code itself, or
    /// 128 + N for a process killed by signal N.
    public var exitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal.rawValue
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "killed by \(signal)"
        }
    }
}

/// A child that ended, as waitpid(2) reports it.
public struct ReapedChild: Sendable {
    public let pid: pid_t
    public let status: ExitStatus
}

/// What one non-blocking wait for any child found.
public enum ReapResult: Sendable {
    /// A child ended and is reaped.
    case reaped(ReapedChild)
    /// Children remain, and none has ended.
    case running
    /// No child is left.
    case none
}

/// Reaps one child that has ended, whichever it is, without waiting: waitpid(-1, WNOHANG), the
/// one call that collects every process re-parented to djinit.
public func reapAnyChild() -> ReapResult {
    var status: Int32 = 0
    do {
        let pid = try syscall("waitpid") { waitpid(-1, &status, WNOHANG) }
        return pid == 0 ? .running : .reaped(ReapedChild(pid: pid, status: ExitStatus(waitStatus: status)))
    } catch {
        // ECHILD: nothing left to wait for (the only error waitpid(-1) can give here).
        return .none
    }
}
