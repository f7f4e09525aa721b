import CDjinitShim

/// A failed system call: which call, and the `errno` it left.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    /// The call that failed, e.g. `"signalfd"`.
    public let call: String
    /// The `errno` value the call left.
    public let errno: Int32

    public init(_ call: String, errno: Int32 = djinit_errno()) {
        self.call = call
        self.errno = errno
    }

    /// `signalfd: Too many open files`.
    public var description: String { "\(call): \(reason)" }

    /// The C library's text for `errno` alone, such as `No such file or directory`.
    public var reason: String { String(cString: strerror(errno)) }
}

/// What a call on a non-blocking descriptor did.
public enum IOResult<Value: Sendable>: Sendable {
    /// It did its work, with this result.
    case processed(Value)
    /// It would have had to wait (EAGAIN): wait for the descriptor to be ready, then call again.
    case wouldBlock
}

extension IOResult: Equatable where Value: Equatable {}

/// Runs a system call that reports failure as -1 and `errno`, the one way every wrapper in this
/// module calls into the kernel: EINTR is retried, and any other failure is a `SystemError` that
/// names the call.
///
/// djinit blocks nearly every signal, so EINTR is rare; the stop signals (SIGSTOP/SIGCONT, which
/// cannot be blocked) and ptrace can still interrupt a call, and a retry is always right then. A
/// call whose arguments depend on the time (poll's timeout) recomputes them in `body`.
///
/// - Parameter call: how errors name the call; built only on failure.
@inlinable
public func syscall<Result: FixedWidthInteger>(
    _ call: @autoclosure () -> String, _ body: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = djinit_errno()
        if error != EINTR { throw SystemError(call(), errno: error) }
    }
}

/// `syscall` for a non-blocking descriptor: EAGAIN (EWOULDBLOCK) is `.wouldBlock`, a value, not
/// an error.
@inlinable
public func syscall<Result: FixedWidthInteger & Sendable>(
    nonBlocking call: @autoclosure () -> String, _ body: () -> Result
) throws(SystemError) -> IOResult<Result> {
    while true {
        let result = body()
        if result != -1 { return .processed(result) }
        let error = djinit_errno()
        if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
        if error != EINTR { throw SystemError(call(), errno: error) }
    }
}
