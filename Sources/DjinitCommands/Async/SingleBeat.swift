import CDjinitShim
import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitPostgres
import DjinitProbe
import DjinitSettings
import DjinitSupervisor

/// `DJINIT_BEAT=true`: `celery beat` in this container, but only while this replica holds the
/// cluster-wide beat lock, so that however many worker replicas run, one beat sends the periodic
/// tasks and none is sent twice.
///
/// Two small state machines, one for the lock (`LockPhase`) and one for the beat process
/// (`BeatProcess`):
/// 1. Wait for PostgreSQL (`DatabaseWait`) on the direct URL (`DJINIT_MIGRATE_DATABASE_URL`, else
///    `DATABASE_URL`), as long as it takes.
/// 2. Poll the beat lock (`AdvisoryLockPoller`, `DJINIT_LOCK_MODE`) every `pollInterval`. The
///    replica that gets it starts beat; the others keep polling, so when the holder's pod dies
///    (its connection closes and PostgreSQL releases the lock) one of them takes over within a
///    poll.
/// 3. If the lock's connection breaks, beat gets SIGKILL at once: PostgreSQL has released the
///    lock, or is about to, and another replica's beat may start within a poll. Then back to 1;
///    the killed beat is not started again for its exit.
/// 4. If beat exits on its own while the lock is held, it is started again after a pause that
///    doubles up to a minute.
/// 5. `stop()` (shutdown): beat gets SIGTERM, and the lock is released only once beat has
///    exited, so two beats never overlap.
final class SingleBeat {
    /// How often a replica without the lock tries to take it. Slower than a one-off wait
    /// (`AdvisoryLockPoller.waitingInterval`): a standby polls for as long as it runs.
    static let pollInterval: Duration = .seconds(1)
    /// Beat waits for the database without end; this is how often it warns that it still does.
    static let waitWarningInterval: Duration = .seconds(60)

    /// What beat takes from the settings, read once at start-up.
    struct Configuration {
        let arguments: [String]
        let directURL: DatabaseURL?
        let lockName: String?
        let lockMode: AdvisoryLock.Mode
        let waitInterval: Duration

        init(arguments: [String], settings: Settings) {
            self.arguments = arguments
            directURL = settings[Schema.migrateDatabaseURL] ?? settings[Schema.databaseURL]
            lockName = settings[Schema.beatLockName]
            lockMode = AdvisoryLock.Mode(settings[Schema.lockMode])
            waitInterval = settings[Schema.waitInterval]
        }

        var target: String { directURL?.redactedText ?? "libpq's PG* environment" }
    }

    /// Where this replica is in getting the lock.
    private enum LockPhase {
        /// Not started yet.
        case idle
        /// Step 1.
        case waitingForDatabase(DatabaseWait)
        /// Step 2: another replica holds the lock.
        case standingBy(PostgresConnection, AdvisoryLockPoller)
        /// This replica holds the lock, on this connection.
        case holding(PostgresConnection)
        /// Starting over (from step 1) when the timer fires, after a failure.
        case pausing(EventLoop.TimerID)
        /// Step 5: waiting for beat to exit, then releasing the lock (closing the connection that
        /// holds it, if any) and calling back.
        case stopping(holding: PostgresConnection?, then: () -> Void)
        case stopped
    }

    /// The beat process.
    private enum BeatProcess {
        case none
        case running(pid_t, since: MonotonicInstant)
        /// Killed because the lock was lost (step 3): its exit is expected.
        case killed(pid_t)
        /// Exited on its own (step 4): started again when the timer fires.
        case restarting(EventLoop.TimerID)
    }

    private let configuration: Configuration
    private let logger: Logger
    private let loop: EventLoop
    private let supervisor: Supervisor
    private var phase = LockPhase.idle
    private var beat = BeatProcess.none
    private var restartDelay: Duration = .seconds(1)

    /// How many times this replica started beat.
    private(set) var starts = 0
    /// Whether it ever reached the database that holds the lock.
    private(set) var hasConnected = false

    /// Where this replica stands, for the probes.
    enum Role {
        /// Waiting for the database, or starting over after a failure.
        case connecting
        /// Connected; another replica holds the lock.
        case standingBy
        /// Holding the lock.
        case leading
    }

    var role: Role {
        switch phase {
        case .holding: .leading
        case .standingBy: .standingBy
        case .idle, .waitingForDatabase, .pausing, .stopping, .stopped: .connecting
        }
    }

    /// Whether this replica holds the beat lock now.
    var holdsLock: Bool {
        if case .holding = phase { return true }
        return false
    }

    /// Whether beat runs now.
    var isRunning: Bool {
        switch beat {
        case .running, .killed: true
        case .none, .restarting: false
        }
    }

    init(configuration: Configuration, logger: Logger, loop: EventLoop, supervisor: Supervisor) {
        self.configuration = configuration
        self.logger = logger
        self.loop = loop
        self.supervisor = supervisor
    }

    /// Step 1: starts waiting for the database, then competing for the lock.
    func start() {
        switch phase {
        case .idle, .pausing: break
        case .waitingForDatabase, .standingBy, .holding, .stopping, .stopped: return
        }
        let wait = DatabaseWait(
            parameters: ConnectionParameters(url: configuration.directURL?.text, applicationName: applicationName),
            target: configuration.target, loop: loop, logger: logger,
            timeout: SingleBeat.waitWarningInterval, maxInterval: configuration.waitInterval)
        phase = .waitingForDatabase(wait)
        wait.start { [self] result in
            switch result {
            case .success(let ready):
                compete(on: ready.connection, database: ready.database)
            case .failure(.timedOut(let reason)):
                logger.warning("beat-db-wait", "PostgreSQL is still not ready for the beat lock; waiting on",
                               ["last_reason": LogValue(reason)])
                startAgain(after: .zero)
            case .failure(.loginRejected(let error)), .failure(.unusableSettings(let error)):
                logger.error("beat-db-login", "PostgreSQL rejected the beat lock's login; trying again in 30s",
                             ["target": LogValue(configuration.target), "reason": LogValue(error.description)])
                startAgain(after: .seconds(30))
            }
        }
    }

    /// Step 5: stops beat and releases the lock; `completion` runs once both are done.
    func stop(completion: @escaping () -> Void) {
        if case .restarting(let timer) = beat {
            loop.cancel(timer)
            beat = .none
        }
        switch beat {
        case .running(let pid, _), .killed(let pid):
            // The lock stays held until beat has exited (`beatExited`), so two beats never overlap.
            var held: PostgresConnection?
            if case .holding(let connection) = phase { held = connection } else { leavePhase() }
            phase = .stopping(holding: held, then: completion)
            logger.info("beat-stopping", "stopping celery beat with SIGTERM", ["pid": LogValue(pid)])
            _ = sendSignal(.terminate, to: pid)
        case .none, .restarting:
            leavePhase()
            phase = .stopped
            completion()
        }
    }

    /// `djinit beat on <host name>`, so that pg_stat_activity shows which pod holds the lock.
    private var applicationName: String { "djinit beat on \(CurrentProcess.hostName)" }

    /// Ends the current phase: cancels what it waits for and closes its connection, which
    /// releases the lock in either mode.
    private func leavePhase() {
        switch phase {
        case .waitingForDatabase(let wait):
            wait.cancel()
        case .standingBy(let connection, let poller):
            poller.cancel()
            connection.close()
        case .holding(let connection):
            logger.info("beat-lock-released", "released the beat lock")
            connection.close()
        case .pausing(let timer):
            loop.cancel(timer)
        case .idle, .stopping, .stopped:
            break
        }
        phase = .idle
    }

    private func startAgain(after delay: Duration) {
        leavePhase()
        phase = .pausing(loop.schedule(after: delay) { [self] in
            phase = .idle
            start()
        })
    }

    /// Step 2.
    private func compete(on connection: PostgresConnection, database: String) {
        let key = AdvisoryLockKey(name: configuration.lockName ?? "djinit:beat:\(database)")
        let lock = AdvisoryLock(key: key, mode: configuration.lockMode, connection: connection)
        let poller = AdvisoryLockPoller(lock: lock, loop: loop, interval: SingleBeat.pollInterval,
                                        reportInterval: .seconds(30)) { [logger] holder in
            logger.info("beat-standby", "another replica holds the beat lock; standing by",
                        ["lock": LogValue(key.description), "holder_application": LogValue(holder?.applicationName ?? "?"),
                         "holder_since": LogValue(holder?.since ?? "?")])
        }
        phase = .standingBy(connection, poller)
        hasConnected = true
        poller.start { [self] result in
            switch result {
            case .failure(let error):
                logger.warning("beat-lock-failed", "cannot poll the beat lock; reconnecting",
                               ["reason": LogValue(error.description)])
                startAgain(after: SingleBeat.pollInterval)
            case .success:
                phase = .holding(connection)
                logger.info("beat-lock-acquired", "holding the beat lock: starting celery beat",
                            ["lock": LogValue(key.description)])
                lock.watchForLoss { [self] error in lockLost(error) }
                startBeat()
            }
        }
    }

    /// Step 3.
    private func lockLost(_ error: PostgresError) {
        if case .running(let pid, _) = beat {
            logger.error("beat-lock-lost", "the beat lock's connection broke: killing celery beat at once",
                         ["pid": LogValue(pid), "reason": LogValue(error.description)])
            _ = sendSignal(.kill, to: -pid)
            beat = .killed(pid)
        } else {
            logger.error("beat-lock-lost", "the beat lock's connection broke", ["reason": LogValue(error.description)])
        }
        if case .holding(let connection) = phase { connection.close() }
        phase = .idle
        startAgain(after: .zero)
    }

    private func startBeat() {
        guard holdsLock, case .none = beat else { return }
        do {
            let pid = try supervisor.spawn(configuration.arguments) { [self] status in beatExited(status) }
            beat = .running(pid, since: loop.now)
            starts += 1
            logger.info("beat-started", "celery beat started",
                        ["pid": LogValue(pid), "command": LogValue(configuration.arguments.joined(separator: " "))])
        } catch {
            logger.error("beat-spawn-failed", "cannot start celery beat: \(error)")
            scheduleRestart()
        }
    }

    /// Step 4, or the end of step 3 or 5.
    private func beatExited(_ status: ExitStatus) {
        let before = beat
        beat = .none
        if case .stopping(let held, let completion) = phase {
            logger.info("beat-exited", "celery beat exited", ["status": LogValue(status)])
            if let held {
                logger.info("beat-lock-released", "released the beat lock")
                held.close()
            }
            phase = .stopped
            completion()
            return
        }
        switch before {
        case .killed:
            logger.info("beat-exited", "celery beat stopped after the lock was lost", ["status": LogValue(status)])
            // The lock may be held again already, by this replica.
            startBeat()
        case .running(_, let since):
            guard holdsLock else { return }
            if since.duration(to: loop.now) > .seconds(60) { restartDelay = .seconds(1) }
            logger.warning("beat-exited", "celery beat exited on its own; starting it again",
                           ["status": LogValue(status), "delay_ms": LogValue(restartDelay.wholeMilliseconds)])
            scheduleRestart()
        case .none, .restarting:
            break
        }
    }

    /// Beat's part of `/metrics`.
    func add(to text: inout PrometheusText) {
        text.add("djinit_beat_lock_held", .gauge, help: "1 while this replica holds the beat lock.", holdsLock ? 1 : 0)
        text.add("djinit_beat_running", .gauge, help: "1 while beat runs here.", isRunning ? 1 : 0)
        text.add("djinit_beat_starts_total", .counter, help: "Times this replica started beat.", Double(starts))
    }

    private func scheduleRestart() {
        beat = .restarting(loop.schedule(after: restartDelay) { [self] in
            beat = .none
            startBeat()
        })
        restartDelay = min(restartDelay * 2, .seconds(60))
    }
}
