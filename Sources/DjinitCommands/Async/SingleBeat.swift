import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitPostgres
import DjinitSettings
import DjinitSupervisor
import Glibc

/// `DJINIT_BEAT=true`: `celery beat` in this container, but only while this replica holds the
/// cluster-wide beat lock, so that however many worker replicas run, one beat sends the periodic
/// tasks and none is sent twice.
///
/// 1. Wait for PostgreSQL (`DatabaseWait`) on the direct URL (`DJINIT_MIGRATE_DATABASE_URL`, else
///    `DATABASE_URL`), as long as it takes.
/// 2. Poll the beat lock (`AdvisoryLock`, `DJINIT_LOCK_MODE`) every `pollInterval`, never
///    blocking in PostgreSQL. The replica that gets it starts beat; the others keep polling, so
///    when the holder's pod dies (its connection closes and PostgreSQL releases the lock) one of
///    them takes over within a poll.
/// 3. If the lock's connection breaks, beat gets SIGKILL at once: PostgreSQL has released the
///    lock, or is about to, and another replica's beat may start within a poll. Then back to 1.
/// 4. If beat exits on its own while the lock is held, it is started again after a pause that
///    doubles up to a minute.
/// 5. `stop()` (shutdown): beat gets SIGTERM, and the lock is released only once beat has
///    exited, so two beats never overlap.
final class SingleBeat {
    /// How often a replica without the lock tries to take it.
    static let pollInterval: Duration = .seconds(1)
    /// Beat waits for the database without end; this is how often it warns that it still does.
    static let waitWarningInterval: Duration = .seconds(60)

    private let arguments: [String]
    private let settings: Settings
    private let logger: Logger
    private let loop: EventLoop
    private let supervisor: Supervisor
    private let directURL: DatabaseURL?
    private var wait: DatabaseWait?
    private var connection: PostgresConnection?
    private var lock: AdvisoryLock?
    private var retry: EventLoop.TimerID?
    private var beatPID: pid_t?
    private var beatStarted: ContinuousClock.Instant?
    private var restartDelay: Duration = .seconds(1)
    private var stopping = false
    /// Beat got SIGKILL because the lock was lost; its exit is expected.
    private var killedForLoss = false
    private var onStopped: (() -> Void)?
    private var lastHolderLog: ContinuousClock.Instant?

    /// Whether this replica holds the beat lock now.
    private(set) var holdsLock = false
    /// How many times this replica started beat.
    private(set) var starts = 0
    /// Whether beat runs now.
    var isRunning: Bool { beatPID != nil }

    init(arguments: [String], settings: Settings, logger: Logger, loop: EventLoop, supervisor: Supervisor) {
        self.arguments = arguments
        self.settings = settings
        self.logger = logger
        self.loop = loop
        self.supervisor = supervisor
        directURL = settings[Schema.migrateDatabaseURL] ?? settings[Schema.databaseURL]
    }

    /// Step 1: starts waiting for the database, then competing for the lock.
    func start() {
        guard !stopping else { return }
        let wait = DatabaseWait(
            parameters: ConnectionParameters(url: directURL?.text, applicationName: applicationName),
            target: target, loop: loop, logger: logger,
            timeout: SingleBeat.waitWarningInterval, maxInterval: settings[Schema.waitInterval])
        self.wait = wait
        wait.start { [self] result in
            self.wait = nil
            switch result {
            case .success(let ready):
                compete(on: ready.connection, database: ready.database)
            case .failure(.timedOut(let reason)):
                logger.warning("beat-db-wait", "PostgreSQL is still not ready for the beat lock; waiting on",
                               ["last_reason": LogValue(reason)])
                startAgain(after: .zero)
            case .failure(.loginRejected(let error)), .failure(.unusableSettings(let error)):
                logger.error("beat-db-login", "PostgreSQL rejected the beat lock's login; trying again in 30s",
                             ["target": LogValue(target), "reason": LogValue(error.description)])
                startAgain(after: .seconds(30))
            }
        }
    }

    /// Step 5: stops beat and releases the lock; `completion` runs once both are done.
    func stop(completion: @escaping () -> Void) {
        stopping = true
        wait?.cancel()
        wait = nil
        if let retry { loop.cancel(retry) }
        retry = nil
        guard let beatPID else {
            releaseLock()
            completion()
            return
        }
        onStopped = completion
        logger.info("beat-stopping", "stopping celery beat with SIGTERM", ["pid": LogValue(beatPID)])
        _ = sendSignal(.terminate, to: beatPID)
    }

    private var target: String { directURL?.redactedText ?? "libpq's PG* environment" }

    /// `djinit beat on <host name>`, so that pg_stat_activity shows which pod holds the lock.
    private var applicationName: String { "djinit beat on \(CurrentProcess.hostName)" }

    private func startAgain(after delay: Duration) {
        guard !stopping else { return }
        retry = loop.schedule(after: delay) { [self] in
            retry = nil
            start()
        }
    }

    /// Step 2.
    private func compete(on connection: PostgresConnection, database: String) {
        guard !stopping else {
            connection.close()
            return
        }
        let key = AdvisoryLockKey(name: settings[Schema.beatLockName] ?? "djinit:beat:\(database)")
        self.connection = connection
        lock = AdvisoryLock(key: key, mode: settings[Schema.lockMode] == .session ? .session : .transaction,
                            connection: connection)
        poll()
    }

    private func poll() {
        guard let lock, !stopping else { return }
        lock.tryAcquire { [self] result in
            guard !stopping, self.lock === lock else {
                if case .success(true) = result { releaseLock() }
                return
            }
            switch result {
            case .failure(let error):
                logger.warning("beat-lock-failed", "cannot poll the beat lock; reconnecting",
                               ["reason": LogValue(error.description)])
                dropConnection()
                startAgain(after: SingleBeat.pollInterval)
            case .success(true):
                holdsLock = true
                logger.info("beat-lock-acquired", "holding the beat lock: starting celery beat",
                            ["lock": LogValue(lock.key.description)])
                lock.watchForLoss { [self] error in lockLost(error) }
                startBeat()
            case .success(false):
                logHolderNowAndThen(lock)
                retry = loop.schedule(after: SingleBeat.pollInterval) { [self] in
                    retry = nil
                    poll()
                }
            }
        }
    }

    /// Every half minute while not holding the lock: who does.
    private func logHolderNowAndThen(_ lock: AdvisoryLock) {
        let now = loop.now
        if let last = lastHolderLog, now - last < .seconds(30) { return }
        lastHolderLog = now
        lock.currentHolder { [self] holder in
            logger.info("beat-standby", "another replica holds the beat lock; standing by",
                        ["lock": LogValue(lock.key.description), "holder_application": LogValue(holder?.applicationName ?? "?"),
                         "holder_since": LogValue(holder?.since ?? "?")])
        }
    }

    /// Step 3.
    private func lockLost(_ error: PostgresError) {
        holdsLock = false
        if let beatPID {
            logger.error("beat-lock-lost", "the beat lock's connection broke: killing celery beat at once",
                         ["pid": LogValue(beatPID), "reason": LogValue(error.description)])
            _ = sendSignal(.kill, to: -beatPID)
            killedForLoss = true
        } else {
            logger.error("beat-lock-lost", "the beat lock's connection broke", ["reason": LogValue(error.description)])
        }
        dropConnection()
        startAgain(after: .zero)
    }

    private func startBeat() {
        guard holdsLock, beatPID == nil, !stopping else { return }
        do {
            let pid = try supervisor.spawn(arguments) { [self] status in beatExited(status) }
            beatPID = pid
            beatStarted = loop.now
            starts += 1
            logger.info("beat-started", "celery beat started",
                        ["pid": LogValue(pid), "command": LogValue(arguments.joined(separator: " "))])
        } catch {
            logger.error("beat-spawn-failed", "cannot start celery beat: \(error)")
            scheduleRestart()
        }
    }

    /// Step 4, or the end of step 3 or 5.
    private func beatExited(_ status: ExitStatus) {
        beatPID = nil
        if stopping {
            logger.info("beat-exited", "celery beat exited", ["status": LogValue(status)])
            releaseLock()
            let done = onStopped
            onStopped = nil
            done?()
            return
        }
        if killedForLoss {
            killedForLoss = false
            logger.info("beat-exited", "celery beat stopped after the lock was lost", ["status": LogValue(status)])
            // The lock may be held again already, by this replica.
            startBeat()
            return
        }
        guard holdsLock else { return }
        if let beatStarted, beatStarted.duration(to: loop.now) > .seconds(60) { restartDelay = .seconds(1) }
        logger.warning("beat-exited", "celery beat exited on its own; starting it again",
                       ["status": LogValue(status), "delay_ms": LogValue(restartDelay.wholeMilliseconds)])
        scheduleRestart()
    }

    private func scheduleRestart() {
        retry = loop.schedule(after: restartDelay) { [self] in
            retry = nil
            startBeat()
        }
        restartDelay = min(restartDelay * 2, .seconds(60))
    }

    /// Closing the connection releases the lock in either mode (and ends its transaction).
    private func releaseLock() {
        if holdsLock { logger.info("beat-lock-released", "released the beat lock") }
        holdsLock = false
        dropConnection()
    }

    private func dropConnection() {
        connection?.close()
        connection = nil
        lock = nil
    }
}
