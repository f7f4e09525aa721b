import CDjinitShim
import DjinitPosix

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
