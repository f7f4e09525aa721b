import CDjinitShim
import DjinitEventLoop
import DjinitLogging
import DjinitPosix

/// The PID-1 core: runs one main child, forwards signals to it, reaps every process that ends
/// below djinit, and drains the whole tree before djinit exits.
///
/// The life of a supervised tree:
/// 1. `start(_:)` spawns the main child. Signals djinit received before that stayed blocked and
///    pending (see `SignalSet.block()`), so they are read and forwarded now, not lost.
/// 2. Each signal read from the signalfd goes to `signalHandler`; SIGCHLD is handled here: every
///    exited process is reaped with waitpid(-1), orphans re-parented to djinit included.
/// 3. `stop(with:)` (by default on SIGTERM and SIGINT) forwards the signal to the main child and
///    starts the kill grace for the whole tree.
/// 4. When the main child exits, for whatever reason, every remaining descendant gets SIGTERM
///    (and SIGCONT, so a stopped one can act on it) and the rest of the grace; when the grace
///    ends, SIGKILL.
/// 5. `run()` returns as soon as the last process below djinit is gone, with the main child's
///    status: no fixed sleep.
public final class Supervisor {
    /// Where forwarded signals go.
    public enum ForwardTarget: Sendable {
        /// The main child only.
        case child
        /// The main child's process group.
        case group
    }

    public let loop: EventLoop
    public let logger: Logger
    public let killGrace: Duration
    public let forwardTarget: ForwardTarget

    /// Handles every signal djinit receives other than SIGCHLD. By default SIGTERM and SIGINT
    /// stop the main child (`stop(with:)`) and every other signal is forwarded to it. Commands
    /// with their own shutdown sequence (such as `run`'s drain) replace it.
    public var signalHandler: (Signal) -> Void = { _ in }

    /// Called once with the main child's status when it exits, before the tree drain starts.
    public var onMainExit: (ExitStatus) -> Void = { _ in }

    /// The main child's process ID, once started.
    public private(set) var mainPID: pid_t?
    /// The main child's status, once it exited.
    public private(set) var mainStatus: ExitStatus?
    /// How many processes djinit has reaped: the main child and orphans re-parented to it.
    public private(set) var reapedCount = 0

    private var graceMilliseconds: Int64 { killGrace.wholeMilliseconds }

    /// Where djinit started, and every child starts; nil if it cannot be named (then djinit stays
    /// there).
    public let workingDirectory = CurrentProcess.workingDirectory
    private let signals: SignalDescriptor
    private let ownPID = CurrentProcess.id
    private var killTimer: EventLoop.TimerID?
    private var killDeadline: MonotonicInstant?
    private var helpers: [(pid: pid_t, onExit: (ExitStatus) -> Void)] = []
    private var killing = false
    private var drainStarted = false

    /// Prepares to supervise: reads signals through a signalfd on `loop` and, unless djinit is
    /// PID 1, becomes a child subreaper so orphans below it are still reaped and drained.
    ///
    /// The caller must already have blocked the signals (`SignalSet.allCatchable.block()`).
    public init(
        loop: EventLoop, logger: Logger, killGrace: Duration, forwardTarget: ForwardTarget = .child
    ) throws(SystemError) {
        self.loop = loop
        self.logger = logger
        self.killGrace = killGrace
        self.forwardTarget = forwardTarget
        signals = try SignalDescriptor(for: .allCatchable)
        if CurrentProcess.isInit {
            logger.debug("pid1", "running as PID 1")
        } else {
            try CurrentProcess.becomeSubreaper()
            logger.debug("subreaper", "not PID 1: became a child subreaper, so orphans below djinit are reaped here",
                         ["pid": LogValue(ownPID)])
        }
        signalHandler = { [self] signal in
            if signal == .terminate || signal == .interrupt {
                stop(with: signal)
            } else {
                forward(signal)
            }
        }
        loop.watch(signals.fileDescriptor) { [self] _ in handlePendingSignals() }
    }

    /// Starts the main child, then moves djinit to `/`, as dumb-init does, so that it pins no
    /// mount for as long as the container runs. Children started later still start where djinit
    /// started (`workingDirectory`). Call once.
    public func start(_ arguments: [String], environment: [String]? = nil) throws(SpawnError) {
        precondition(mainPID == nil, "the main child is started once")
        let pid = try Spawner.spawn(arguments, environment: environment, workingDirectory: workingDirectory)
        mainPID = pid
        logger.info("spawned", "started \(arguments[0])", ["pid": LogValue(pid)])
        if workingDirectory != nil { try? CurrentProcess.changeDirectory(to: "/") }
    }

    /// Starts a helper child that is not the main child (a `migrate`, a `collectstatic`) and
    /// calls `onExit` with its status when it is reaped. Its exit does not start the tree drain.
    @discardableResult
    public func spawn(
        _ arguments: [String], environment: [String]? = nil, onExit: @escaping (ExitStatus) -> Void
    ) throws(SpawnError) -> pid_t {
        let pid = try Spawner.spawn(arguments, environment: environment, workingDirectory: workingDirectory)
        helpers.append((pid, onExit))
        logger.debug("spawned", "started \(arguments[0])", ["pid": LogValue(pid)])
        return pid
    }

    /// Ends supervision with `status` for a command that has no main child (like `init`): what
    /// still runs below djinit is drained as after a main child's exit, then `run()` returns.
    public func finish(_ status: ExitStatus) {
        guard mainStatus == nil else { return }
        mainStatus = status
        reapExited()
    }

    /// Runs the event loop until the main child has exited (or `finish(_:)` was called) and no
    /// process is left below djinit, then drops the callbacks it was given (see `EventLoop` on who
    /// keeps a callback's object alive).
    /// - Returns: the main child's status, or the one given to `finish(_:)`.
    public func run() throws(SystemError) -> ExitStatus {
        defer {
            signalHandler = { _ in }
            onMainExit = { _ in }
            helpers = []
        }
        try loop.run()
        return mainStatus!
    }

    /// Sends `signal` to the main child (or its group, per `forwardTarget`) while it runs.
    public func forward(_ signal: Signal) {
        guard let pid = mainPID, mainStatus == nil else {
            logger.debug("signal-dropped", "received \(signal) with no main child to forward it to")
            return
        }
        let target = forwardTarget == .group ? -pid : pid
        logger.debug("signal-forwarded", "forwarding \(signal)", ["to": LogValue(target)])
        sendSignal(signal, to: target)
    }

    /// Asks the main child to stop with `signal` and starts the kill grace for the whole tree:
    /// whatever is still running when it ends gets SIGKILL.
    public func stop(with signal: Signal = .terminate) {
        guard mainStatus == nil else {
            logger.debug("signal-dropped", "received \(signal) while the tree is already draining")
            return
        }
        startKillGrace()
        logger.info("stopping", "stopping the main child with \(signal)",
                    ["grace_ms": LogValue(remainingGraceMilliseconds)])
        forward(signal)
        // A stopped child (SIGSTOP, SIGTSTP) cannot act on the signal until it runs again; without
        // this the drain would wait out the whole grace and end in SIGKILL.
        forward(.continue)
    }

    private func handlePendingSignals() {
        let received: [ReceivedSignal]
        do {
            received = try signals.readPending()
        } catch {
            logger.error("signalfd", "cannot read signals: \(error)")
            return
        }
        for item in received {
            if item.signal == .child {
                reapExited()
            } else if item.senderPID == ownPID {
                // Raised by djinit's own doing (SIGPIPE from a write to a closed stderr, say): it
                // was never meant for the child.
                continue
            } else if Signal.faults.contains(item.signal) && !item.isSentByProcess {
                // A fault signal the kernel raised without a fault of djinit's (a machine-check
                // SIGBUS, say): nothing to pass on. One sent with kill(2) goes on to the child.
                logger.debug("signal-dropped", "\(item.signal) raised by the kernel, not by a process")
                continue
            } else {
                signalHandler(item.signal)
            }
        }
    }

    /// Reaps every process that has exited; once the main child is among them, drains what is
    /// left, and finishes as soon as nothing is.
    private func reapExited() {
        while true {
            switch reapAnyChild() {
            case .reaped(let child):
                reapedCount += 1
                if child.pid == mainPID {
                    mainStatus = child.status
                    logger.info("child-exited", "main child exited",
                                ["pid": LogValue(child.pid), "status": LogValue(child.status)])
                    onMainExit(child.status)
                } else if let index = helpers.firstIndex(where: { $0.pid == child.pid }) {
                    let helper = helpers.remove(at: index)
                    helper.onExit(child.status)
                } else {
                    logger.debug("reaped", "reaped a process", ["pid": LogValue(child.pid), "status": LogValue(child.status)])
                }
            case .running:
                // Children remain, none exited yet. (Checked before scanning /proc, so that the
                // common case, a main child that leaves nothing behind, costs no scan at all.)
                if mainStatus != nil && !drainStarted { drainDescendants() }
                return
            case .none:
                guard mainStatus != nil else { return }
                if let killTimer { loop.cancel(killTimer) }
                logger.debug("tree-empty", "no process left below djinit")
                loop.stop()
                return
            }
        }
    }

    /// After the main child exits, asks every remaining descendant to exit.
    private func drainDescendants() {
        drainStarted = true
        let remaining = ProcessTree.descendants(of: ownPID)
        guard !remaining.isEmpty else { return }
        startKillGrace()
        logger.info("draining", "sending SIGTERM to the processes left behind",
                    ["count": LogValue(remaining.count), "grace_ms": LogValue(remainingGraceMilliseconds)])
        for pid in remaining {
            sendSignal(.terminate, to: pid)
            sendSignal(.continue, to: pid)
        }
    }

    /// Starts the kill grace now without signalling anything: whatever is still below djinit when
    /// it ends gets SIGKILL. For a command whose shutdown budget starts before it asks the main
    /// child to stop (`run`'s drain delay); `stop(with:)` and the tree drain then keep this
    /// deadline instead of starting a new one. No effect once the grace runs.
    public func startKillGrace() {
        guard killTimer == nil else { return }
        killDeadline = loop.now.advanced(by: killGrace)
        killTimer = loop.schedule(after: killGrace) { [self] in killRemaining() }
    }

    /// What is left of the kill grace, for log lines, to the nearest millisecond (so a grace
    /// started a few microseconds ago reads 10000, not 9999).
    private var remainingGraceMilliseconds: Int64 {
        guard let killDeadline else { return graceMilliseconds }
        return max(.zero, loop.now.duration(to: killDeadline)).millisecondsRounded
    }

    /// The grace is over: SIGKILL everything below djinit, and keep sweeping until the tree is
    /// empty, since a process may fork between a scan and its kill.
    private func killRemaining() {
        let remaining = ProcessTree.descendants(of: ownPID)
        if !remaining.isEmpty {
            if !killing {
                logger.warning("killing", "kill grace over: sending SIGKILL",
                               ["count": LogValue(remaining.count), "grace_ms": LogValue(graceMilliseconds)])
            }
            for pid in remaining { sendSignal(.kill, to: pid) }
        }
        killing = true
        killTimer = loop.schedule(after: .milliseconds(50)) { [self] in killRemaining() }
    }
}
