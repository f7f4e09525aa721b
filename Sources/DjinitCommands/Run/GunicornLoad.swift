import CDjinitShim
import DjinitEventLoop
import DjinitPosix
import DjinitProbe
import DjinitSupervisor

/// How busy gunicorn is, sampled every second: its workers, how many of them serve a request, and
/// how many connections wait to be accepted.
///
/// gunicorn reports a request only once it ends, so a busy worker is read from what it holds:
/// a worker serving a request owns an accepted connection, a TCP socket of this network namespace
/// whose local port is gunicorn's and which is connected (the kernel's sock_diag, and the worker's
/// `/proc/PID/fd`); an idle worker owns none and waits on the listening socket. That works the same
/// whatever the request waits on (the database, a sleep, the CPU), within a second of it starting.
/// The accept queue and its limit are the listening socket's, from the same sock_diag answer.
///
/// Capacity: the sync worker serves one request at a time, the threaded one `--threads`, so
/// utilisation is busy / (workers x that). With `--threads`, a connection held open for keep-alive
/// counts as busy. gevent, eventlet and the ASGI worker have no fixed capacity: for them only the
/// connections and the backlog are reported.
final class GunicornLoad {
    /// A sample: what `/metrics` reports.
    struct Sample {
        var workers = 0
        /// Connections the workers hold: requests in flight (and, threaded, kept-alive ones).
        var connections = 0
        var busyWorkers = 0
        /// Connections waiting in the listening socket's accept queue.
        var backlog = 0
        /// The most that may wait: gunicorn's `--backlog`, which the kernel caps at
        /// net.core.somaxconn, as the kernel reports it.
        var backlogLimit = 0
    }

    static let interval: Duration = .seconds(1)

    private let loop: EventLoop
    private let supervisor: Supervisor
    private let port: UInt16
    private let requestsPerWorker: Int?
    private var timer: EventLoop.TimerID?
    private var workerPIDs: Set<pid_t> = []
    private(set) var sample = Sample()
    /// Distinct workers seen; beyond the worker count, restarts.
    private(set) var workersSeen = 0

    init(loop: EventLoop, supervisor: Supervisor, port: UInt16, requestsPerWorker: Int?) {
        self.loop = loop
        self.supervisor = supervisor
        self.port = port
        self.requestsPerWorker = requestsPerWorker
    }

    /// Samples now and every second until `stop()`.
    func start() {
        takeSample()
    }

    func stop() {
        if let timer { loop.cancel(timer) }
        timer = nil
    }

    /// Busy workers over what they can serve; nil for a worker class without a fixed capacity.
    var utilization: Double? {
        guard let requestsPerWorker else { return nil }
        let capacity = sample.workers * requestsPerWorker
        return capacity == 0 ? 0 : min(1, Double(sample.busyWorkers) / Double(capacity))
    }

    private func takeSample() {
        defer { timer = loop.schedule(after: GunicornLoad.interval) { [self] in takeSample() } }
        guard let master = supervisor.mainPID, supervisor.mainStatus == nil else {
            sample = Sample()
            return
        }
        let workers = ProcessTree.children(of: master)
        workersSeen += Set(workers).subtracting(workerPIDs).count
        workerPIDs = Set(workers)
        var next = Sample(workers: workers.count)
        var accepted: Set<UInt64> = []
        for socket in SocketTables.tcp(localPort: port) ?? [] {
            switch socket.state {
            case .listening:
                next.backlog += socket.receiveQueue
                next.backlogLimit += socket.sendQueue
            case .connected:
                // Inode 0: still in the accept queue, owned by no worker yet.
                if socket.inode != 0 { accepted.insert(socket.inode) }
            }
        }
        if !accepted.isEmpty {
            for worker in workers {
                let held = SocketTables.socketInodes(of: worker).intersection(accepted).count
                next.connections += held
                next.busyWorkers += min(held, requestsPerWorker ?? held)
            }
        }
        sample = next
    }

    func add(to text: inout PrometheusText) {
        text.add("djinit_gunicorn_workers", .gauge, help: "gunicorn worker processes.", Double(sample.workers))
        text.add("djinit_gunicorn_workers_started_total", .counter,
                 help: "Distinct gunicorn workers seen; beyond the worker count, restarts.", Double(workersSeen))
        text.add("djinit_gunicorn_connections", .gauge,
                 help: "Accepted connections gunicorn's workers hold: requests in flight (threaded: also kept-alive ones).",
                 Double(sample.connections))
        if let utilization {
            text.add("djinit_gunicorn_busy_workers", .gauge,
                     help: "Requests being served, counted against what the workers can serve at once.", Double(sample.busyWorkers))
            text.add("djinit_gunicorn_worker_utilization", .gauge,
                     help: "Busy over capacity (workers x threads), from 0 to 1: the metric to scale sync workers on.", utilization)
        }
        text.add("djinit_http_backlog", .gauge, help: "Connections waiting to be accepted by gunicorn (the accept queue).",
                 Double(sample.backlog))
        text.add("djinit_http_backlog_limit", .gauge, help: "The most that may wait: gunicorn's --backlog, capped by net.core.somaxconn.",
                 Double(sample.backlogLimit))
    }
}
