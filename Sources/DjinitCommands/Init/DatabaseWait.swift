import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitPostgres
import DjinitSettings
import DjinitSupervisor
import DjinitText

/// Waits until PostgreSQL really accepts a login as a writable primary, the way `init` needs it.
///
/// Not a TCP check, and not `pg_isready` (which says "accepting connections" when the database or
/// role does not exist): each attempt logs in, and the server must then say it is not in recovery
/// and not read-only. Failures that waiting can fix (no response, starting up, in recovery, too
/// many connections, a database an operator may still create) are retried with a backoff that
/// starts at a few milliseconds, so djinit moves on within one interval of the server becoming
/// ready. A rejected login (wrong password, no such role) ends the wait at once.
final class DatabaseWait {
    /// Why the wait ended without a server.
    enum Failure: Error {
        /// The timeout passed; the last reason the server was not usable.
        case timedOut(lastReason: String)
        /// The server rejected the login: waiting cannot fix it.
        case loginRejected(PostgresError)
        /// libpq cannot use the connection settings at all (`PostgresError.unusableSettings`).
        case unusableSettings(PostgresError)
    }

    /// A usable server: the open connection and the database's name.
    struct Ready {
        let connection: PostgresConnection
        let database: String
    }

    private let parameters: ConnectionParameters
    private let target: String
    private let loop: EventLoop
    private let logger: Logger
    private let timeout: Duration
    private let maxInterval: Duration
    private var interval = Duration.milliseconds(5)
    private var deadline: MonotonicInstant
    private let started: MonotonicInstant
    private var attempts = 0
    private var lastReason = "no attempt finished yet"
    private var lastLogged: MonotonicInstant?
    private var attempt: PostgresConnection.ConnectAttempt?
    private var retry: EventLoop.TimerID?
    private var completion: ((Result<Ready, Failure>) -> Void)?

    /// - Parameter target: how to name the server in logs (a redacted URL).
    init(parameters: ConnectionParameters, target: String, loop: EventLoop, logger: Logger,
         timeout: Duration, maxInterval: Duration) {
        self.parameters = parameters
        self.target = target
        self.loop = loop
        self.logger = logger
        self.timeout = timeout
        self.maxInterval = maxInterval
        started = loop.now
        deadline = loop.now.advanced(by: timeout)
    }

    func start(completion: @escaping (Result<Ready, Failure>) -> Void) {
        self.completion = completion
        logger.info("db-wait", "waiting for PostgreSQL", ["target": LogValue(target)])
        tryOnce()
    }

    /// Stops waiting (on shutdown); the completion is not called.
    func cancel() {
        completion = nil
        attempt?.cancel()
        if let retry { loop.cancel(retry) }
    }

    private func tryOnce() {
        attempts += 1
        let remaining = loop.now.duration(to: deadline)
        attempt = PostgresConnection.connect(parameters, loop: loop, timeout: min(.seconds(5), max(remaining, .milliseconds(100)))) {
            [self] result in
            switch result {
            case .success(let connection): checkUsable(connection)
            case .failure(let error): failed(error)
            }
        }
    }

    private func checkUsable(_ connection: PostgresConnection) {
        let sql = "SELECT pg_is_in_recovery()::text, current_setting('transaction_read_only'), current_database()"
        connection.query(sql) { [self] result in
            switch result {
            case .success(let rows) where rows.first?.count == 3:
                let row = rows[0]
                if row[0] == "true" {
                    notYet("the server is a standby in recovery")
                } else if row[1] == "on" {
                    notYet("the server is read-only (transaction_read_only is on)")
                } else {
                    let waited = loop.now - started
                    logger.info("db-ready", "PostgreSQL accepts logins",
                                ["database": LogValue(row[2] ?? ""), "waited_ms": LogValue(waited.wholeMilliseconds),
                                 "attempts": LogValue(attempts)])
                    finish(.success(Ready(connection: connection, database: row[2] ?? "")))
                    return
                }
                connection.close()
            case .success:
                connection.close()
                notYet("unexpected answer to the readiness query")
            case .failure(let error):
                connection.close()
                notYet(error.description)
            }
        }
    }

    private func failed(_ error: PostgresError) {
        if error.isUnusableSettings {
            finish(.failure(.unusableSettings(error)))
        } else if DatabaseWait.isLoginRejection(error) {
            finish(.failure(.loginRejected(error)))
        } else if DatabaseWait.isMissingDatabase(error) {
            notYet("\(error.message) (waiting: an operator may still create it)", level: .warning)
        } else {
            notYet(error.description)
        }
    }

    /// Whether the server turned the login down for good: a wrong password, an unknown role, no
    /// pg_hba.conf entry. PgBouncer reports its own login failures with the generic SQLSTATE
    /// 08P01, so for it the (always English) message decides.
    static func isLoginRejection(_ error: PostgresError) -> Bool {
        switch error.sqlState {
        case "28P01", "28000": return true
        case "08P01": return ["password authentication failed", "SASL authentication failed", "no such user"]
            .contains { error.message.contains(substring: $0) }
        default: return false
        }
    }

    /// Whether the database does not exist (yet); from PgBouncer, again by its message.
    static func isMissingDatabase(_ error: PostgresError) -> Bool {
        error.sqlState == "3D000"
            || (error.sqlState == "08P01" && error.message.hasPrefix("database") && error.message.hasSuffix("does not exist"))
    }

    private func notYet(_ reason: String, level: LogLevel = .info) {
        let changed = reason != lastReason
        lastReason = reason
        let now = loop.now
        if changed || lastLogged.map({ now - $0 >= .seconds(5) }) ?? true {
            lastLogged = now
            logger.log(level, "db-not-ready", "PostgreSQL is not ready yet",
                       ["reason": LogValue(reason), "attempts": LogValue(attempts),
                        "waited_ms": LogValue((now - started).wholeMilliseconds)])
        }
        guard now < deadline else {
            finish(.failure(.timedOut(lastReason: reason)))
            return
        }
        retry = loop.schedule(after: min(interval, now.duration(to: deadline))) { [self] in tryOnce() }
        interval = min(interval * 2, maxInterval)
    }

    private func finish(_ result: Result<Ready, Failure>) {
        let completion = self.completion
        self.completion = nil
        completion?(result)
    }
}
