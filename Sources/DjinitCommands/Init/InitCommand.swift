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

    /// What `init` takes from the settings, read once at start-up.
    struct Configuration {
        let python: String
        let managePy: String
        /// Where migrations and the locks go: `DJINIT_MIGRATE_DATABASE_URL`, else `DATABASE_URL`
        /// (nil: libpq's `PG*` variables).
        let directURL: DatabaseURL?
        /// `DJINIT_MIGRATE_DATABASE_URL`: when set, the children's `DATABASE_URL` too, so that
        /// `migrate` bypasses the pooler.
        let migrateURL: DatabaseURL?
        let migrate: Bool
        let migrateArguments: [String]
        /// `DJINIT_INIT_COMMANDS`, each split into `manage.py` arguments.
        let initCommands: [[String]]
        let lockName: String?
        let lockMode: AdvisoryLock.Mode
        let collectStatic: Bool
        let sharedStaticRoot: AbsolutePath?
        let waitTimeout: Duration
        let waitInterval: Duration
        let killGrace: Duration
        /// Where `DJINIT_PYTHON` imports packages from, for the static files' fingerprint.
        let packages: PythonPackages

        init(_ settings: Settings, environment: Environment) {
            python = settings[Schema.python]
            managePy = settings[Schema.managePy]
            migrateURL = settings[Schema.migrateDatabaseURL]
            directURL = migrateURL ?? settings[Schema.databaseURL]
            migrate = settings[Schema.migrate]
            migrateArguments = settings[Schema.migrateArgs].argumentWords
            initCommands = settings[Schema.initCommands].split(separator: ";").map { String($0).argumentWords }.filter { !$0.isEmpty }
            lockName = settings[Schema.lockName]
            lockMode = AdvisoryLock.Mode(settings[Schema.lockMode])
            collectStatic = settings[Schema.collectStatic]
            sharedStaticRoot = settings[Schema.sharedStaticRoot]
            waitTimeout = settings[Schema.waitTimeout]
            waitInterval = settings[Schema.waitInterval]
            killGrace = settings[Schema.killGrace]
            packages = PythonPackages(python: python, environment: environment)
        }

        /// The server as logs name it: the URL with its password redacted.
        var target: String { directURL?.redactedText ?? "libpq's PG* environment" }
    }

    private let configuration: Configuration
    private let logger: Logger
    private let loop: EventLoop
    private let supervisor: Supervisor
    private let started: MonotonicInstant
    private var migration: Outcome
    private var staticFiles: Outcome
    private var exitCode: Int32 = 0
    private var wait: DatabaseWait?
    private var poller: AdvisoryLockPoller?
    private var lockConnection: PostgresConnection?
    private var staticStep: StaticFiles?
    private var ended = false

    init(configuration: Configuration, logger: Logger) throws(SystemError) {
        self.configuration = configuration
        self.logger = logger
        loop = EventLoop()
        supervisor = try Supervisor(loop: loop, logger: logger, killGrace: configuration.killGrace)
        started = loop.now
        migration = configuration.migrate || !configuration.initCommands.isEmpty ? .pending : .skipped("DJINIT_MIGRATE=false")
        staticFiles = configuration.collectStatic ? .pending : .skipped("DJINIT_COLLECTSTATIC=false")
    }

    /// Runs init to the end and returns the exit code.
    static func run(_ arguments: [String], settings: Settings, environment: Environment) -> Int32 {
        guard arguments.isEmpty else {
            Console.error("init: unexpected argument \(Escaping.quotedValue(arguments[0])); init is configured through settings (djinit config)")
            return ExitCode.usage
        }
        let logger = Logger(settings)
        do {
            let command = try InitCommand(configuration: Configuration(settings, environment: environment), logger: logger)
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
        guard FileStatus.isReadable(configuration.managePy) else {
            logger.error("no-manage-py", "cannot read \(configuration.managePy) (DJINIT_MANAGE_PY) in the working directory",
                         ["cwd": LogValue(supervisor.workingDirectory ?? "?")])
            return ExitCode.notFound
        }

        if staticFiles == .pending {
            let step = StaticFiles(configuration: configuration, logger: logger, loop: loop, supervisor: supervisor) {
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
                parameters: lockParameters, target: configuration.target, loop: loop, logger: logger,
                timeout: configuration.waitTimeout, maxInterval: configuration.waitInterval)
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
                         ["timeout": LogValue(configuration.waitTimeout.settingText), "last_reason": LogValue(reason)])
            if migration == .pending { migration = .failed("no database") }
            fail(ExitCode.databaseTimeout)
        case .failure(.unusableSettings(let error)):
            logger.error("db-settings", "libpq cannot use the connection settings; check the URL's options and the PG* variables",
                         ["target": LogValue(configuration.target), "reason": LogValue(error.description)])
            if migration == .pending { migration = .failed("unusable connection settings") }
            fail(ExitCode.usage)
        case .failure(.loginRejected(let error)):
            logger.error("db-login-rejected", "PostgreSQL rejected the login; waiting cannot fix that",
                         ["target": LogValue(configuration.target), "reason": LogValue(error.description)])
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
        ConnectionParameters(url: configuration.directURL?.text, applicationName: applicationName)
    }

    /// `djinit init on <host name>`: in a pod the host name is the pod's name, so whoever holds a
    /// lock can be found in pg_stat_activity.
    private var applicationName: String { "djinit init on \(CurrentProcess.hostName)" }

    private func acquireMigrationLock(on connection: PostgresConnection, database: String) {
        let key = AdvisoryLockKey(name: configuration.lockName ?? "djinit:migrate:\(database)")
        let lock = AdvisoryLock(key: key, mode: configuration.lockMode, connection: connection)
        lockConnection = connection
        migration = .running
        let poller = AdvisoryLockPoller(lock: lock, loop: loop, reportInterval: .seconds(5)) { [logger] holder in
            guard let holder else {
                logger.info("lock-waiting", "waiting for the migration lock", ["lock": LogValue(key.description)])
                return
            }
            logger.info("lock-waiting", "waiting for the migration lock, held by another replica",
                        ["lock": LogValue(key.description), "holder_pid": LogValue(holder.pid),
                         "holder_application": LogValue(holder.applicationName), "holder_since": LogValue(holder.since)])
        }
        self.poller = poller
        poller.start { [self] result in
            switch result {
            case .failure(let error):
                logger.error("lock-failed", "cannot take the migration lock", ["reason": LogValue(error.description)])
                migration = .failed("lock: \(error.message)")
                fail(ExitCode.stepFailed)
            case .success:
                logger.info("lock-acquired", "holding the migration lock", ["lock": LogValue(key.description)])
                lock.watchForLoss { [self] error in lockLost(error) }
                guard configuration.migrate else {
                    runInitCommand(0)
                    return
                }
                runManage(["migrate", "--noinput"] + configuration.migrateArguments, step: "migrate") { [self] in
                    runInitCommand(0)
                }
            }
        }
    }

    private func runInitCommand(_ index: Int) {
        let commands = configuration.initCommands
        guard index < commands.count else {
            releaseMigrationLock()
            return
        }
        runManage(commands[index], step: commands[index][0]) { [self] in runInitCommand(index + 1) }
    }

    /// Runs `python manage.py ARGS` and continues with `next` if it exits 0.
    private func runManage(_ arguments: [String], step: String, next: @escaping () -> Void) {
        let begun = loop.now
        let command = [configuration.python, configuration.managePy] + arguments
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
        guard let lock = poller?.lock else { return }
        lock.release { [self] result in
            if case .failure(let error) = result {
                // The commit of an empty transaction failed: the connection is gone, and with it
                // the lock. The work itself is done.
                logger.warning("lock-release", "releasing the migration lock failed", ["reason": LogValue(error.description)])
            }
            lockConnection?.close()
            lockConnection = nil
            poller = nil
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
        guard let direct = configuration.migrateURL else { return nil }
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
        poller?.cancel()
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
