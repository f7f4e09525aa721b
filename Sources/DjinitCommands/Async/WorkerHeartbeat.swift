import CDjinitShim
import DjinitEventLoop
import DjinitPosix
import DjinitSettings

/// Whether the worker's main loop still runs, as `/livez` reports it: read from `/proc`, so it
/// costs a few microseconds and nothing in the worker.
///
/// Every healthy worker loop wakes up on its own, many times a minute: Celery's main process polls
/// the broker and runs its timers (with Redis, a few wake-ups a second even when idle), and
/// django-q2's sentinel runs its guard loop every half second. Each wake-up from a blocking call
/// adds one to the thread's `voluntary_ctxt_switches` in `/proc/PID/status`. When that count
/// stops moving for `hangTimeout`, the loop is not running: the process is stopped (SIGSTOP,
/// state `T`), deadlocked, blocked in a call that never returns, or spinning without ever
/// waiting (a spin counts only involuntary switches). Unlike `celery inspect ping`, which starts
/// a Python and the app and round-trips the broker (seconds of CPU per probe), this needs neither
/// the app nor the broker, so a broker outage never restarts every worker.
///
/// Which process runs the loop: Celery's main process (djinit's child), whose pool children only
/// run tasks; for django-q2, the sentinel, the `qcluster` process's first child. The `qcluster`
/// process itself only waits for the sentinel, in a call that never wakes.
final class WorkerHeartbeat {
    /// The process whose wake-ups are the heartbeat.
    enum Source {
        /// djinit's main child (Celery's main process).
        case mainProcess
        /// The main child's oldest child (django-q2's sentinel).
        case firstChild
    }

    private let source: Source
    private let hangTimeout: Duration
    private let loop: EventLoop
    private var watched: pid_t?
    private var lastCount: Int?
    private var lastState = "?"
    private var lastProgress: MonotonicInstant
    private var sampler: EventLoop.TimerID?

    init(source: Source, hangTimeout: Duration, loop: EventLoop) {
        self.source = source
        self.hangTimeout = hangTimeout
        self.loop = loop
        lastProgress = loop.now
    }

    /// The process name for messages.
    var sourceName: String { source == .mainProcess ? "the worker's main process" : "the qcluster sentinel" }

    /// Samples now and every second from now on, for the main child `mainPID`.
    func start(mainPID: pid_t) {
        lastProgress = loop.now
        sample(mainPID: mainPID)
    }

    /// Stops sampling (the worker is stopping or gone).
    func stop() {
        if let sampler { loop.cancel(sampler) }
        sampler = nil
    }

    /// How long since the loop last woke up, as of the latest sample.
    var silence: Duration { lastProgress.duration(to: loop.now) }

    /// Nil while the loop runs; else why `/livez` fails.
    var failure: String? {
        let silent = silence
        guard silent > hangTimeout else { return nil }
        guard let watched else {
            return "\(sourceName) has not appeared for \(silent.wholeMilliseconds / 1000)s"
        }
        let state = lastState == "T" || lastState == "t" ? "\(lastState): stopped" : lastState
        return "\(sourceName) (pid \(watched)) has not woken up for \(silent.wholeMilliseconds / 1000)s "
            + "(state \(state)); DJINIT_WORKER_HANG_TIMEOUT is \(hangTimeout.settingText)"
    }

    private func sample(mainPID: pid_t) {
        let pid: pid_t? = switch source {
        case .mainProcess: mainPID
        case .firstChild: WorkerHeartbeat.firstChild(of: mainPID)
        }
        if pid != watched {
            // A new process (the sentinel appeared): its count starts from its own beginning.
            watched = pid
            lastCount = nil
        }
        if let pid, let reading = WorkerHeartbeat.read(pid) {
            lastState = reading.state
            if let lastCount, reading.wakeUps == lastCount {
                // No wake-up since the last sample.
            } else {
                if lastCount != nil { lastProgress = loop.now }
                lastCount = reading.wakeUps
            }
        }
        sampler = loop.schedule(after: .seconds(1)) { [self] in sample(mainPID: mainPID) }
    }

    /// A process's scheduler state (`R`, `S`, `D`, `T`, `Z`, ...) and its main thread's voluntary
    /// context switches; nil once it is gone.
    static func read(_ pid: pid_t, procRoot: String = "/proc") -> (state: String, wakeUps: Int)? {
        guard let status = FileReader.text(of: "\(procRoot)/\(pid)/status") else { return nil }
        var state: String?
        var wakeUps: Int?
        for line in status.split(separator: "\n") {
            if line.hasPrefix("State:") {
                state = line.dropFirst("State:".count).first { $0 != " " && $0 != "\t" }.map(String.init)
            } else if line.hasPrefix("voluntary_ctxt_switches:") {
                wakeUps = Int(line.dropFirst("voluntary_ctxt_switches:".count).filter { $0 != " " && $0 != "\t" })
            }
        }
        guard let state, let wakeUps else { return nil }
        return (state, wakeUps)
    }

    /// The oldest child of `pid` (the lowest process ID in `/proc/PID/task/PID/children`, which
    /// lists them in no promised order; process IDs only wrap after millions).
    static func firstChild(of pid: pid_t, procRoot: String = "/proc") -> pid_t? {
        let children = FileReader.text(of: "\(procRoot)/\(pid)/task/\(pid)/children") ?? ""
        return children.split(separator: " ").compactMap { pid_t($0.filter { $0 != "\n" }) }.min()
    }
}
