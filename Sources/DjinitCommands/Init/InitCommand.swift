import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitPostgres
import DjinitSettings
import DjinitSupervisor
import DjinitText

/// `djinit init` (also `/init`): what runs once per rollout, as an init container or a Job, often
/// in several replicas at the same moment.
///
/// 1. `collectstatic` starts at once: it needs no database. (With a shared static root it waits
///    for the database, takes its own lock, and is skipped when nothing changed: `StaticFiles`.)
/// 2. Meanwhile djinit waits until PostgreSQL accepts a login as a writable primary
///    (`DatabaseWait`), on the direct URL (`DJINIT_MIGRATE_DATABASE_URL`, else `DATABASE_URL`).
/// 3. On that same connection it polls the migration lock (`AdvisoryLock`); the replica that
///    gets it runs `migrate`, then `DJINIT_INIT_COMMANDS` in order, and releases it. The others
///    wait, then find nothing to migrate.
/// 4. If the lock's connection breaks while `migrate` runs, `migrate` is stopped and init fails:
///    another replica may already hold the lock.
/// 5. SIGTERM or SIGINT at any point: children get SIGTERM, connections close (which releases
///    the locks), and djinit exits 143 (130) as soon as the children are gone.
final class InitCommand {
    /// How a step ended, for the closing summary.
    enum Outcome: Equatable {
        case pending, running, succeeded, skipped(String), failed(String)

        var isFinished: Bool { self != .pending && self != .running }
    }

    private let settings: Settings
    private let logger: Logger
    private let loop: EventLoop
    private let supervisor: Supervisor
    private let started: ContinuousClock.Instant
    private let directURL: DatabaseURL?
    /// `DJINIT_INIT_COMMANDS`, each split into `manage.py` arguments.
    private let initCommands: [[String]]
    private var migration: Outcome
    private var staticFiles: Outcome
    private var exitCode: Int32 = 0
    private var wait: DatabaseWait?
    private var lock: AdvisoryLock?
    private var lockConnection: PostgresConnection?
    private var staticStep: StaticFiles?
    private var lastHolderLog: ContinuousClock.Instant?
    private var ended = false

    init(settings: Settings, logger: Logger) throws(SystemError) {
        self.settings = settings
        self.logger = logger
        loop = EventLoop()
        supervisor = try Supervisor(loop: loop, logger: logger, killGrace: settings[Schema.killGrace])
        started = loop.now
        directURL = settings[Schema.migrateDatabaseURL] ?? settings[Schema.databaseURL]
        initCommands = settings[Schema.initCommands].split(separator: ";").map { words(String($0)) }.filter { !$0.isEmpty }
        migration = settings[Schema.migrate] || !initCommands.isEmpty ? .pending : .skipped("DJINIT_MIGRATE=false")
        staticFiles = settings[Schema.collectStatic] ? .pending : .skipped("DJINIT_COLLECTSTATIC=false")
    }

    /// Runs init to the end and returns the exit code.
    static func run(_ arguments: [String], settings: Settings) -> Int32 {
        guard arguments.isEmpty else {
            Console.error("init: unexpected argument \(Escaping.quotedValue(arguments[0])); init is configured through settings (djinit config)")
            return ExitCode.usage
        }
        let logger = Logger(settings)
        do {
            let command = try InitCommand(settings: settings, logger: logger)
            return try command.run()
        } catch {
            logger.error("internal", "\(error)")
            return ExitCode.internalFailure
        }
    }

    private func run() throws(SystemError) -> Int32 {
        supervisor.signalHandler = { [self] signal in
            if signal == .terminate || signal == .interrupt || signal == .quit {
                logger.warning("terminating", "received \(signal): stopping init", [:])
                end(.signaled(signal))
            } else {
                logger.debug("signal-ignored", "init ignores \(signal)")
            }
        }
        let managePy = settings[Schema.managePy]
        guard FileStatus.isReadable(managePy) else {
            logger.error("no-manage-py", "cannot read \(managePy) (DJINIT_MANAGE_PY) in the working directory",
                         ["cwd": LogValue(supervisor.workingDirectory ?? "?")])
            return ExitCode.notFound
        }

        if staticFiles == .pending {
            let step = StaticFiles(settings: settings, logger: logger, loop: loop, supervisor: supervisor) {
                [self] outcome, code in
                staticFiles = outcome
                if code != 0 { fail(code) } else { finishIfDone() }
            }
            staticStep = step
            staticFiles = .running
            step.startUnlessShared()
        }
        let needsDatabase = migration == .pending || staticStep?.isShared == true
        if needsDatabase {
            let wait = DatabaseWait(
                parameters: lockParameters,
                target: directURL?.redactedText ?? "libpq's PG* environment", loop: loop, logger: logger,
                timeout: settings[Schema.waitTimeout], maxInterval: settings[Schema.waitInterval])
            self.wait = wait
            wait.start { [self] result in databaseWaitEnded(result) }
        }
        finishIfDone()
        return try supervisor.run().exitCode
    }

    private func databaseWaitEnded(_ result: Result<DatabaseWait.Ready, DatabaseWait.Failure>) {
        switch result {
        case .failure(.timedOut(let reason)):
            logger.error("db-timeout", "PostgreSQL did not become ready within DJINIT_WAIT_TIMEOUT",
                         ["timeout": LogValue(settings[Schema.waitTimeout].settingText), "last_reason": LogValue(reason)])
            if migration == .pending { migration = .failed("no database") }
            fail(ExitCode.databaseTimeout)
        case .failure(.unusableSettings(let error)):
            logger.error("db-settings", "libpq cannot use the connection settings; check the URL's options and the PG* variables",
                         ["target": LogValue(directURL?.redactedText ?? "libpq's PG* environment"), "reason": LogValue(error.description)])
            if migration == .pending { migration = .failed("unusable connection settings") }
            fail(ExitCode.usage)
        case .failure(.loginRejected(let error)):
            logger.error("db-login-rejected", "PostgreSQL rejected the login; waiting cannot fix that",
                         ["target": LogValue(directURL?.redactedText ?? "libpq's PG* environment"), "reason": LogValue(error.description)])
            if migration == .pending { migration = .failed("login rejected") }
            fail(ExitCode.loginRejected)
        case .success(let ready):
            staticStep?.databaseReady(database: ready.database, parameters: lockParameters)
            if migration == .pending {
                acquireMigrationLock(on: ready.connection, database: ready.database)
            } else {
                ready.connection.close()
            }
        }
    }

    private var lockParameters: ConnectionParameters {
        ConnectionParameters(url: directURL?.text, applicationName: applicationName)
    }

    /// `djinit init on <host name>`: in a pod the host name is the pod's name, so whoever holds a
    /// lock can be found in pg_stat_activity.
    private var applicationName: String { "djinit init on \(CurrentProcess.hostName)" }

    private var lockMode: AdvisoryLock.Mode {
        settings[Schema.lockMode] == .session ? .session : .transaction
    }

    private func acquireMigrationLock(on connection: PostgresConnection, database: String) {
        let key = AdvisoryLockKey(name: settings[Schema.lockName] ?? "djinit:migrate:\(database)")
        let lock = AdvisoryLock(key: key, mode: lockMode, connection: connection)
        self.lock = lock
        lockConnection = connection
        migration = .running
        pollLock(lock)
    }

    private func pollLock(_ lock: AdvisoryLock) {
        lock.tryAcquire { [self] result in
            guard !ended else { return }
            switch result {
            case .failure(let error):
                logger.error("lock-failed", "cannot take the migration lock", ["reason": LogValue(error.description)])
                migration = .failed("lock: \(error.message)")
                fail(ExitCode.stepFailed)
            case .success(true):
                logger.info("lock-acquired", "holding the migration lock", ["lock": LogValue(lock.key.description)])
                lock.watchForLoss { [self] error in lockLost(error) }
                guard settings[Schema.migrate] else {
                    runInitCommand(0)
                    return
                }
                runManage(["migrate", "--noinput"] + words(settings[Schema.migrateArgs]), step: "migrate") {
                    [self] in runInitCommand(0)
                }
            case .success(false):
                logHolderNowAndThen(lock)
                loop.schedule(after: .milliseconds(250)) { [self] in pollLock(lock) }
            }
        }
    }

    /// Every few seconds while waiting: who holds the lock, and since when.
    private func logHolderNowAndThen(_ lock: AdvisoryLock) {
        let now = loop.now
        if let last = lastHolderLog, now - last < .seconds(5) { return }
        lastHolderLog = now
        lock.currentHolder { [self] holder in
            guard let holder else {
                logger.info("lock-waiting", "waiting for the migration lock", ["lock": LogValue(lock.key.description)])
                return
            }
            logger.info("lock-waiting", "waiting for the migration lock, held by another replica",
                        ["lock": LogValue(lock.key.description), "holder_pid": LogValue(holder.pid),
                         "holder_application": LogValue(holder.applicationName), "holder_since": LogValue(holder.since)])
        }
    }

    private func runInitCommand(_ index: Int) {
        guard index < initCommands.count else {
            releaseMigrationLock()
            return
        }
        runManage(initCommands[index], step: initCommands[index][0]) { [self] in runInitCommand(index + 1) }
    }

    /// Runs `python manage.py ARGS` and continues with `next` if it exits 0.
    private func runManage(_ arguments: [String], step: String, next: @escaping () -> Void) {
        let begun = loop.now
        let command = [settings[Schema.python], settings[Schema.managePy]] + arguments
        logger.info("step-start", "running \(step)", ["command": LogValue(command.joined(separator: " "))])
        do {
            try supervisor.spawn(command, environment: childEnvironment) { [self] status in
                guard !ended else { return }
                let elapsed = (loop.now - begun).wholeMilliseconds
                guard status == .exited(0) else {
                    logger.error("step-failed", "\(step) failed", ["status": LogValue(status), "duration_ms": LogValue(elapsed)])
                    migration = .failed("\(step): \(status)")
                    fail(ExitCode.stepFailed)
                    return
                }
                logger.info("step-done", "\(step) succeeded", ["duration_ms": LogValue(elapsed)])
                next()
            }
        } catch {
            logger.error("spawn-failed", error.description)
            migration = .failed(error.description)
            fail(ExitCode.forSpawnFailure(error))
        }
    }

    private func releaseMigrationLock() {
        guard let lock else { return }
        lock.release { [self] result in
            if case .failure(let error) = result {
                // The commit of an empty transaction failed: the connection is gone, and with it
                // the lock. The work itself is done.
                logger.warning("lock-release", "releasing the migration lock failed", ["reason": LogValue(error.description)])
            }
            lockConnection?.close()
            lockConnection = nil
            self.lock = nil
            migration = .succeeded
            finishIfDone()
        }
    }

    private func lockLost(_ error: PostgresError) {
        logger.error("lock-lost", "the migration lock's connection broke while migrating; stopping",
                     ["reason": LogValue(error.description)])
        migration = .failed("lock connection lost")
        fail(ExitCode.lockLost)
    }

    /// The children's environment: djinit's own, with `DATABASE_URL` pointing at the direct
    /// connection when `DJINIT_MIGRATE_DATABASE_URL` is set, so `migrate` bypasses the pooler too.
    private var childEnvironment: [String]? {
        guard let direct = settings[Schema.migrateDatabaseURL] else { return nil }
        return ProcessEnvironment.current().filter { $0.name != "DATABASE_URL" }.map { "\($0.name)=\($0.value)" }
            + ["DATABASE_URL=\(direct.text)"]
    }

    private func finishIfDone() {
        guard !ended, migration.isFinished, staticFiles.isFinished else { return }
        logger.info("init-done", "init finished",
                    ["migrate": LogValue(describe(migration)), "collectstatic": LogValue(describe(staticFiles)),
                     "duration_ms": LogValue((loop.now - started).wholeMilliseconds)])
        end(.exited(exitCode))
    }

    private func fail(_ code: Int32) {
        if exitCode == 0 { exitCode = code }
        end(.exited(exitCode))
    }

    /// Stops whatever still runs (closing connections releases the locks) and lets the
    /// supervisor drain the children before djinit exits with `status`.
    private func end(_ status: ExitStatus) {
        guard !ended else { return }
        ended = true
        wait?.cancel()
        staticStep?.cancel()
        lockConnection?.close()
        lockConnection = nil
        supervisor.finish(status)
    }

    private func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .pending, .running: "not finished"
        case .succeeded: "ok"
        case .skipped(let why): "skipped (\(why))"
        case .failed(let why): "failed (\(why))"
        }
    }
}

/// `text` split on spaces, empty pieces dropped.
func words(_ text: String) -> [String] {
    text.split(separator: " ").map(String.init)
}

