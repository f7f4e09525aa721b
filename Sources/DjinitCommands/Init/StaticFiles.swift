import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitPostgres
import DjinitSettings
import DjinitSupervisor

/// `collectstatic`, run beside the database wait and `migrate`.
///
/// Unshared (the default): it starts at once, since it needs no database. With
/// `DJINIT_SHARED_STATIC_ROOT` (a volume every replica writes to), replicas take turns under an
/// advisory lock, and one finding the fingerprint of the static sources unchanged skips the run.
final class StaticFiles {
    private let configuration: InitCommand.Configuration
    private let logger: Logger
    private let loop: EventLoop
    private let supervisor: Supervisor
    /// Kept until it has run once (`EventLoop` on who keeps a callback's object alive).
    private var completion: ((InitCommand.Outcome, Int32) -> Void)?
    private var connection: PostgresConnection?
    private var attempt: PostgresConnection.ConnectAttempt?
    private var poller: AdvisoryLockPoller?

    /// Whether replicas share the static root, so the run needs the database for its lock.
    var isShared: Bool { configuration.sharedStaticRoot != nil }

    init(configuration: InitCommand.Configuration, logger: Logger, loop: EventLoop, supervisor: Supervisor,
         completion: @escaping (InitCommand.Outcome, Int32) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.loop = loop
        self.supervisor = supervisor
        self.completion = completion
    }

    /// Starts `collectstatic` now unless the static root is shared.
    func startUnlessShared() {
        guard !isShared else { return }
        collect { [self] outcome, code in finish(outcome, code) }
    }

    /// The database is up: a shared root's turn can be taken now.
    func databaseReady(database: String, parameters: ConnectionParameters) {
        guard let root = configuration.sharedStaticRoot, completion != nil else { return }
        attempt = PostgresConnection.connect(parameters, loop: loop, timeout: .seconds(10)) { [self] result in
            attempt = nil
            switch result {
            case .failure(let error):
                logger.error("static-lock", "cannot connect for the static files lock", ["reason": LogValue(error.description)])
                finish(.failed("lock: \(error.message)"), ExitCode.stepFailed)
            case .success(let connection):
                self.connection = connection
                let key = AdvisoryLockKey(name: "djinit:collectstatic:\(database)")
                takeTurn(AdvisoryLock(key: key, mode: configuration.lockMode, connection: connection), root: root)
            }
        }
    }

    /// Abandons the step on shutdown; a running `collectstatic` is stopped by the tree drain.
    func cancel() {
        completion = nil
        attempt?.cancel()
        poller?.cancel()
        connection?.close()
    }

    private func takeTurn(_ lock: AdvisoryLock, root: AbsolutePath) {
        let poller = AdvisoryLockPoller(lock: lock, loop: loop)
        self.poller = poller
        poller.start { [self] result in
            if case .failure(let error) = result {
                finish(.failed("lock: \(error.message)"), ExitCode.stepFailed)
                return
            }
            let fingerprint = StaticFingerprint.compute(
                projectDirectory: supervisor.workingDirectory ?? ".", staticRoot: root.path, packages: configuration.packages)
            let stored = FileReader.text(of: StaticFingerprint.path(in: root.path), limit: 256)
            if stored == fingerprint {
                logger.info("static-unchanged", "static sources unchanged since the last collectstatic: skipped",
                            ["fingerprint": LogValue(fingerprint)])
                release(lock, then: .skipped("unchanged"), code: 0)
                return
            }
            collect { [self] outcome, code in
                if code == 0 { StaticFingerprint.store(fingerprint, in: root.path) }
                release(lock, then: outcome, code: code)
            }
        }
    }

    private func release(_ lock: AdvisoryLock, then outcome: InitCommand.Outcome, code: Int32) {
        lock.release { [self] _ in
            connection?.close()
            connection = nil
            finish(outcome, code)
        }
    }

    private func collect(_ done: @escaping (InitCommand.Outcome, Int32) -> Void) {
        let begun = loop.now
        let command = [configuration.python, configuration.managePy, "collectstatic", "--noinput"]
        logger.info("step-start", "running collectstatic", ["command": LogValue(command.joined(separator: " "))])
        do {
            try supervisor.spawn(command) { [self] status in
                guard completion != nil else { return }
                let elapsed = (loop.now - begun).wholeMilliseconds
                if status == .exited(0) {
                    logger.info("step-done", "collectstatic succeeded", ["duration_ms": LogValue(elapsed)])
                    done(.succeeded, 0)
                } else {
                    logger.error("step-failed", "collectstatic failed", ["status": LogValue(status), "duration_ms": LogValue(elapsed)])
                    done(.failed("\(status)"), ExitCode.stepFailed)
                }
            }
        } catch {
            logger.error("spawn-failed", error.description)
            done(.failed(error.description), ExitCode.forSpawnFailure(error))
        }
    }

    /// Reports the outcome, once.
    private func finish(_ outcome: InitCommand.Outcome, _ code: Int32) {
        let completion = self.completion
        self.completion = nil
        completion?(outcome, code)
    }
}

/// A fingerprint of what `collectstatic` reads: every file under a directory named `static` in
/// the project and in the interpreter's site-packages (paths, sizes and modification times).
///
/// Files are not read, only listed: a new image changes a file's size or time, and listing a few
/// thousand files takes milliseconds where starting Django takes a second or more.
enum StaticFingerprint {
    static let fileName = ".djinit-static-fingerprint"

    static func path(in root: String) -> String { root + "/" + fileName }

    static func compute(projectDirectory: String, staticRoot: String, packages: PythonPackages) -> String {
        var entries: [String] = []
        collect(directory: projectDirectory, relative: "project", insideStatic: false, skipping: staticRoot, into: &entries)
        for sitePackages in packages.directories where !sitePackages.hasPrefix(projectDirectory + "/") {
            collect(directory: sitePackages, relative: sitePackages, insideStatic: false, skipping: staticRoot, into: &entries)
        }
        var hash = StableHash()
        for entry in entries.sorted() { hash.combine(entry.utf8 + [0]) }
        let hex = String(hash.value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Best effort: without it, the next rollout runs collectstatic again.
    static func store(_ fingerprint: String, in root: String) {
        try? writeFile(path(in: root), Array(fingerprint.utf8))
    }

    private static func collect(
        directory: String, relative: String, insideStatic: Bool, skipping staticRoot: String, into entries: inout [String]
    ) {
        guard directory != staticRoot, let names = try? DirectoryReader.names(in: directory) else { return }
        for name in names {
            guard name != "__pycache__", name != ".git", name != "node_modules" else { continue }
            let path = directory + "/" + name
            guard let status = try? FileStatus(link: path) else { continue }
            switch status.kind {
            case .directory:
                collect(directory: path, relative: relative + "/" + name, insideStatic: insideStatic || name == "static",
                        skipping: staticRoot, into: &entries)
            case .regular where insideStatic:
                entries.append("\(relative)/\(name) \(status.size) \(status.modified)")
            case .regular, .other:
                continue
            }
        }
    }
}
