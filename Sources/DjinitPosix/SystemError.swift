#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, and the `errno` it left.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    /// The call that failed, e.g. `"signalfd"`.
    public let call: String
    /// The `errno` value the call left.
    public let errno: Int32

    public init(_ call: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}

/// Runs `body` until it returns something other than -1 with `EINTR`.
///
/// djinit blocks nearly every signal, so EINTR is rare; the stop signals (SIGSTOP/SIGCONT, which
/// cannot be blocked) and ptrace can still interrupt a call, and a retry is always right then.
@inlinable
public func retryingOnEINTR<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Glibc.errno
        if error != EINTR { throw SystemError(call, errno: error) }
    }
}
