import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitSupervisor

/// What `djinit run` does on SIGTERM: the drain that drops no request.
///
/// Kubernetes sends SIGTERM and, at the same moment, starts taking the pod out of Service
/// endpoints and load balancers; that takes a few seconds to reach every node and proxy. gunicorn
/// closes its listening socket as soon as it gets SIGTERM, so forwarding it at once would refuse
/// every connection still routed here. Instead:
///
/// 1. **SIGTERM**: `/readyz` answers 503 at once (load balancers that probe it stop sending), and
///    the `DJINIT_GRACE` budget starts for the whole tree. gunicorn is not told anything yet and
///    keeps serving whatever still arrives.
/// 2. **`DJINIT_DRAIN_DELAY` later** (or at once on a second SIGTERM, or on SIGINT): gunicorn gets
///    SIGTERM. It closes its socket and its workers finish the requests in flight, within the
///    `--graceful-timeout` `GunicornLaunch` derived from what is left of the budget.
/// 3. **gunicorn exits**: whatever is left below djinit gets SIGTERM (the `Supervisor`'s tree
///    drain), and djinit exits as soon as the tree is empty, with gunicorn's status (0 after a
///    clean drain).
/// 4. **`DJINIT_GRACE` after the first SIGTERM**: anything still running gets SIGKILL.
///
/// Every other signal (SIGHUP to reload, SIGTTIN/SIGTTOU to add or remove a worker, ...) is
/// forwarded to gunicorn as it comes. If gunicorn exits on its own, steps 3 and 4 follow.
final class RunShutdown {
    private enum Phase {
        /// Serving normally.
        case serving
        /// `/readyz` fails; gunicorn serves on until the timer fires.
        case delaying(EventLoop.TimerID)
        /// gunicorn has been told to stop, or has exited.
        case stopping
    }

    private let supervisor: Supervisor
    private let probes: RunProbes
    private let logger: Logger
    private let drainDelay: Duration
    private var phase = Phase.serving

    init(supervisor: Supervisor, probes: RunProbes, logger: Logger, drainDelay: Duration) {
        self.supervisor = supervisor
        self.probes = probes
        self.logger = logger
        self.drainDelay = drainDelay
    }

    /// Takes over djinit's signals and gunicorn's exit from the supervisor's defaults.
    func install() {
        supervisor.signalHandler = { [self] signal in handle(signal) }
        supervisor.onMainExit = { [self] status in serverExited(status) }
    }

    private func handle(_ signal: Signal) {
        guard signal == .terminate || signal == .interrupt else {
            supervisor.forward(signal)
            return
        }
        switch phase {
        case .serving:
            probes.drainStarted()
            supervisor.startKillGrace()
            if signal == .interrupt || drainDelay == .zero {
                logger.info("drain", "received \(signal): /readyz fails from now on; stopping gunicorn at once")
                stopServer()
            } else {
                logger.info("drain", "received \(signal): /readyz fails from now on; gunicorn keeps serving "
                    + "while load balancers catch up", ["delay_ms": LogValue(drainDelay.wholeMilliseconds)])
                let timer = supervisor.loop.schedule(after: drainDelay) { [self] in stopServer() }
                phase = .delaying(timer)
            }
        case .delaying(let timer):
            supervisor.loop.cancel(timer)
            logger.info("drain", "received \(signal) again: skipping the rest of the drain delay")
            stopServer()
        case .stopping:
            logger.debug("signal-dropped", "received \(signal) while gunicorn is already stopping")
        }
    }

    /// Step 2: gunicorn gets SIGTERM, within the budget that started with the first signal.
    private func stopServer() {
        phase = .stopping
        supervisor.stop(with: .terminate)
    }

    private func serverExited(_ status: ExitStatus) {
        if case .delaying(let timer) = phase { supervisor.loop.cancel(timer) }
        if case .serving = phase {
            logger.error("server-exited", "gunicorn exited on its own (\(status)): draining the tree and exiting")
        }
        phase = .stopping
        probes.serverExited()
    }
}
