import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitSupervisor

/// What `djinit async` does on SIGTERM (or SIGINT): the worker finishes the tasks it is running,
/// and no task is lost.
///
/// 1. **SIGTERM**: `/readyz` answers 503, and the `DJINIT_GRACE` budget starts for the whole tree.
///    The worker's main process, and only it, gets SIGTERM:
///    - Celery: a warm shutdown. The main process stops taking tasks, lets its pool finish the
///      running ones, and hands the prefetched ones back to the broker. Never the process group:
///      SIGTERM to a prefork pool child kills it mid-task, and its task is lost.
///    - django-q2: `qcluster` tells its sentinel to stop, which lets the workers finish their
///      tasks.
///
///    Beat, if it runs here, gets SIGTERM too; the beat lock is released once it has exited.
/// 2. **`DJINIT_WORKER_GRACE` later**, if the worker still runs:
///    - Celery gets SIGQUIT, its cold shutdown: running tasks are abandoned (with `acks_late`
///      they go back to the queue) and the worker exits at once.
///    - `qcluster` and everything below it get SIGKILL: its SIGTERM handling is known to hang
///      (the sentinel waits on a worker or a queue that never finishes), and waiting on it only
///      spends the rest of the budget.
/// 3. **The worker exits**: whatever is left below djinit (orphaned pool processes, beat) gets
///    SIGTERM, the `Supervisor`'s tree drain, and djinit exits as soon as the tree is empty, with
///    the worker's status: 0 after a warm shutdown.
/// 4. **`DJINIT_GRACE` after the first SIGTERM**: anything still running gets SIGKILL.
///
/// A second SIGTERM or SIGINT changes nothing: the sequence is already under way. Every other
/// signal (SIGHUP, SIGUSR1 for Celery's traceback dump, ...) goes to the worker's main process.
final class AsyncShutdown {
    private let supervisor: Supervisor
    private let probes: AsyncProbes
    private let logger: Logger
    private let worker: WorkerKind
    private let workerGrace: Duration
    private let beat: SingleBeat?
    private var workerGraceTimer: EventLoop.TimerID?
    private var stopping = false

    init(supervisor: Supervisor, probes: AsyncProbes, logger: Logger, worker: WorkerKind, workerGrace: Duration,
         beat: SingleBeat?) {
        self.supervisor = supervisor
        self.probes = probes
        self.logger = logger
        self.worker = worker
        self.workerGrace = workerGrace
        self.beat = beat
    }

    /// Takes over djinit's signals and the worker's exit from the supervisor's defaults.
    func install() {
        supervisor.signalHandler = { [self] signal in handle(signal) }
        supervisor.onMainExit = { [self] status in workerExited(status) }
    }

    private func handle(_ signal: Signal) {
        guard signal == .terminate || signal == .interrupt else {
            supervisor.forward(signal)
            return
        }
        guard !stopping else {
            logger.info("signal-ignored", "received \(signal) again: the shutdown is already under way")
            return
        }
        stopping = true
        probes.shutdownStarted()
        let action = worker == .celery ? "SIGQUIT (cold shutdown)" : "SIGKILL"
        logger.info("shutdown", "received \(signal): stopping the worker with SIGTERM; \(action) if it still "
            + "runs after DJINIT_WORKER_GRACE", ["worker_grace_ms": LogValue(workerGrace.wholeMilliseconds)])
        // Step 1: SIGTERM to the main process only (the supervisor forwards to the child, never
        // its group), and the budget for the whole tree.
        supervisor.stop(with: .terminate)
        stopBeat()
        workerGraceTimer = supervisor.loop.schedule(after: workerGrace) { [self] in workerGraceOver() }
    }

    /// Step 2.
    private func workerGraceOver() {
        workerGraceTimer = nil
        guard let pid = supervisor.mainPID, supervisor.mainStatus == nil else { return }
        switch worker {
        case .celery:
            logger.warning("cold-shutdown", "the worker still runs after DJINIT_WORKER_GRACE: sending SIGQUIT "
                + "(cold shutdown; running tasks are abandoned)", ["pid": LogValue(pid)])
            supervisor.forward(.quit)
        case .djangoQ:
            let tree = [pid] + ProcessTree.descendants(of: pid)
            logger.warning("hard-deadline", "qcluster still runs after DJINIT_WORKER_GRACE: sending SIGKILL to it "
                + "and its processes", ["pid": LogValue(pid), "count": LogValue(tree.count)])
            for process in tree { _ = sendSignal(.kill, to: process) }
        }
    }

    /// Step 3 (or a worker that exited on its own): the supervisor drains the tree.
    private func workerExited(_ status: ExitStatus) {
        if let workerGraceTimer { supervisor.loop.cancel(workerGraceTimer) }
        workerGraceTimer = nil
        guard !stopping else { return }
        stopping = true
        logger.error("worker-exited", "the worker exited on its own (\(status)): draining the tree and exiting")
        probes.shutdownStarted()
        stopBeat()
    }

    private func stopBeat() {
        beat?.stop { [logger] in logger.debug("beat-stopped", "beat stopped and its lock released") }
    }
}
