import CDjinitShim

/// A signal number with the name logs and messages use.
public struct Signal: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let hangup = Signal(rawValue: SIGHUP)
    public static let interrupt = Signal(rawValue: SIGINT)
    public static let quit = Signal(rawValue: SIGQUIT)
    public static let kill = Signal(rawValue: SIGKILL)
    public static let user1 = Signal(rawValue: SIGUSR1)
    public static let user2 = Signal(rawValue: SIGUSR2)
    public static let pipe = Signal(rawValue: SIGPIPE)
    public static let alarm = Signal(rawValue: SIGALRM)
    public static let terminate = Signal(rawValue: SIGTERM)
    public static let child = Signal(rawValue: SIGCHLD)
    public static let `continue` = Signal(rawValue: SIGCONT)
    public static let stop = Signal(rawValue: SIGSTOP)
    public static let terminalStop = Signal(rawValue: SIGTSTP)
    public static let terminalInput = Signal(rawValue: SIGTTIN)
    public static let terminalOutput = Signal(rawValue: SIGTTOU)
    public static let windowChange = Signal(rawValue: SIGWINCH)

    /// Signals the kernel raises for a fault in the thread itself. Blocking them is safe: a fault
    /// while one is blocked kills the process all the same. Another process may also send one with
    /// kill(2), which is meant for the child like any other signal (`ReceivedSignal.isSentByProcess`).
    public static let faults: [Signal] = [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS].map(Signal.init(rawValue:))

    private static let names: [(Int32, String)] = [
        (SIGHUP, "SIGHUP"), (SIGINT, "SIGINT"), (SIGQUIT, "SIGQUIT"), (SIGILL, "SIGILL"), (SIGTRAP, "SIGTRAP"),
        (SIGABRT, "SIGABRT"), (SIGBUS, "SIGBUS"), (SIGFPE, "SIGFPE"), (SIGKILL, "SIGKILL"), (SIGUSR1, "SIGUSR1"),
        (SIGSEGV, "SIGSEGV"), (SIGUSR2, "SIGUSR2"), (SIGPIPE, "SIGPIPE"), (SIGALRM, "SIGALRM"), (SIGTERM, "SIGTERM"),
        (SIGSTKFLT, "SIGSTKFLT"), (SIGCHLD, "SIGCHLD"), (SIGCONT, "SIGCONT"), (SIGSTOP, "SIGSTOP"),
        (SIGTSTP, "SIGTSTP"), (SIGTTIN, "SIGTTIN"), (SIGTTOU, "SIGTTOU"), (SIGURG, "SIGURG"), (SIGXCPU, "SIGXCPU"),
        (SIGXFSZ, "SIGXFSZ"), (SIGVTALRM, "SIGVTALRM"), (SIGPROF, "SIGPROF"), (SIGWINCH, "SIGWINCH"),
        (SIGIO, "SIGIO"), (SIGPWR, "SIGPWR"), (SIGSYS, "SIGSYS"),
    ]

    /// `SIGTERM`, or `SIGRTMIN+3` for a real-time signal.
    public var description: String {
        if let (_, name) = Signal.names.first(where: { $0.0 == rawValue }) { return name }
        let rtmin = djinit_sigrtmin()
        if rawValue >= rtmin && rawValue <= djinit_sigrtmax() { return "SIGRTMIN+\(rawValue - rtmin)" }
        return "signal \(rawValue)"
    }
}

/// A set of signals (`sigset_t`).
public struct SignalSet {
    public private(set) var raw = sigset_t()

    /// No signal.
    public static var empty: SignalSet {
        var set = SignalSet()
        sigemptyset(&set.raw)
        return set
    }

    /// Every signal a process can catch, the fault signals included (see `Signal.faults`): left
    /// unblocked, one sent with kill(2) would kill djinit and orphan its tree. SIGKILL and SIGSTOP
    /// are in no mask the kernel honours.
    public static var allCatchable: SignalSet {
        var set = SignalSet()
        sigfillset(&set.raw)
        return set
    }

    public func contains(_ signal: Signal) -> Bool {
        withUnsafePointer(to: raw) { sigismember($0, signal.rawValue) == 1 }
    }

    /// Blocks every signal in this set for the calling thread, which in djinit is the only thread.
    ///
    /// Called first thing in `main`: a signal that arrives before the event loop reads the
    /// signalfd then stays pending instead of killing djinit or being lost.
    public func block() {
        withUnsafePointer(to: raw) { _ = pthread_sigmask(SIG_BLOCK, $0, nil) }
    }
}

/// One signal read from a `SignalDescriptor`: which signal, and who sent it.
public struct ReceivedSignal: Sendable {
    public let signal: Signal
    /// The sender's process ID (0 for the kernel).
    public let senderPID: pid_t
    /// How it was raised (`si_code`).
    public let code: Int32

    public init(signal: Signal, senderPID: pid_t, code: Int32) {
        self.signal = signal
        self.senderPID = senderPID
        self.code = code
    }

    /// Whether a process sent it, with kill(2) or sigqueue(3), rather than the kernel raising it
    /// (a fault, a timer, a child's exit).
    public var isSentByProcess: Bool { code == Int32(SI_USER) || code == Int32(SI_QUEUE) }
}

/// A signalfd(2): pending signals of the set become readable records, so the event loop handles
/// them in order, in its own time, with no async-signal-safety rules and no self-pipe.
public struct SignalDescriptor: ~Copyable {
    public let fileDescriptor: Int32

    public init(for set: SignalSet) throws(SystemError) {
        fileDescriptor = try syscall("signalfd") { withUnsafePointer(to: set.raw) { djinit_signalfd($0) } }
    }

    deinit { close(fileDescriptor) }

    /// Every signal pending now, oldest first; empty when none is.
    public func readPending() throws(SystemError) -> [ReceivedSignal] {
        var received: [ReceivedSignal] = []
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        // The kernel hands out whole records only.
        while case .processed(let count) = try syscall(nonBlocking: "read(signalfd)", { read(fileDescriptor, &info, size) }),
              count == size {
            received.append(ReceivedSignal(signal: Signal(rawValue: Int32(info.ssi_signo)),
                                           senderPID: pid_t(bitPattern: info.ssi_pid), code: info.ssi_code))
        }
        return received
    }
}

/// Sends `signal` to `pid` (a negative pid names a process group). `ESRCH`, a process that is
/// already gone, is not an error to the caller: it is reported as `false`.
@discardableResult
public func sendSignal(_ signal: Signal, to pid: pid_t) -> Bool {
    kill(pid, signal.rawValue) == 0
}
