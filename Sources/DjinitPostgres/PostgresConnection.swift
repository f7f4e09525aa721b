import CLibPQ
import DjinitEventLoop
import DjinitPosix
import DjinitSettings

/// How to reach a server: libpq's connection keywords. A URL goes in `dbname` (libpq expands it);
/// with no URL, libpq's own `PG*` environment variables apply.
public struct ConnectionParameters: Sendable {
    public var keywords: [(String, String)]

    /// - Parameters:
    ///   - url: a `postgres://` URL, or nil for libpq's `PG*` variables.
    ///   - applicationName: shown in `pg_stat_activity`, unless the URL sets one.
    ///
    /// TCP keepalives and a user timeout on djinit's side (`DeadPeerDetection`), so that djinit
    /// notices a server that vanished; the server's side of a lock is `AdvisoryLock`'s.
    public init(url: String?, applicationName: String) {
        keywords = []
        if let url { keywords.append(("dbname", url)) }
        keywords.append(("fallback_application_name", applicationName))
        keywords += DeadPeerDetection.clientKeywords
    }
}

/// One result row: each field as text, nil for SQL NULL.
public typealias Row = [String?]

/// A libpq connection driven by djinit's event loop: connecting and waiting for results never
/// block it (only a host name lookup inside libpq can), so signals and children are handled
/// meanwhile. Sending does, briefly: the connection stays in libpq's blocking mode, so a query
/// (djinit's are a few hundred bytes) is written whole by `PQsendQuery`.
///
/// A query's watch keeps the connection alive until its completion has run (`EventLoop` on who
/// keeps a callback's object alive); `close()` ends it early.
///
/// Queries use libpq's simple query protocol (`PQsendQuery`) with literal SQL, on purpose: with
/// the extended protocol, an idle transaction can keep a snapshot that makes CREATE INDEX
/// CONCURRENTLY in a migration wait for it forever.
public final class PostgresConnection {
    private var connection: OpaquePointer?
    private let loop: EventLoop
    private var socket: Int32 = -1

    private init(connection: OpaquePointer, loop: EventLoop) {
        self.connection = connection
        self.loop = loop
    }

    deinit { close() }

    /// Starts connecting; calls `completion` once, on the loop, with the open connection or the
    /// failure. A connection that is not up after `timeout` fails.
    ///
    /// - Returns: a handle to abandon the attempt (on shutdown).
    @discardableResult
    public static func connect(
        _ parameters: ConnectionParameters, loop: EventLoop, timeout: Duration,
        completion: @escaping (Result<PostgresConnection, PostgresError>) -> Void
    ) -> ConnectAttempt {
        let attempt = ConnectAttempt(parameters: parameters, loop: loop, timeout: timeout, completion: completion)
        attempt.start()
        return attempt
    }

    /// The server version as libpq reports it, e.g. 150018.
    public var serverVersion: Int32 { connection.map(PQserverVersion) ?? 0 }

    /// Sends `sql` (one or more statements, simple protocol) and calls `completion` with the rows
    /// of the last statement that returned rows, or the first error.
    public func query(_ sql: String, completion: @escaping (Result<[Row], PostgresError>) -> Void) {
        guard let connection, PQsendQuery(connection, sql) == 1 else {
            completion(.failure(lastError()))
            return
        }
        var rows: [Row] = []
        var failure: PostgresError?
        loop.watch(socket) { [self] _ in
            guard let connection = self.connection else { return }
            guard PQconsumeInput(connection) == 1 else {
                loop.unwatch(socket)
                completion(.failure(lastError()))
                return
            }
            while PQisBusy(connection) == 0 {
                guard let result = PQgetResult(connection) else {
                    loop.unwatch(socket)
                    completion(failure.map { .failure($0) } ?? .success(rows))
                    return
                }
                switch PQresultStatus(result) {
                case PGRES_TUPLES_OK:
                    rows = Self.rows(of: result)
                case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    break
                default:
                    if failure == nil { failure = Self.error(of: result) }
                }
                PQclear(result)
            }
        }
    }

    /// Calls `handler` once if the connection breaks while idle: the server closed it, the
    /// backend was terminated, or keepalives found the peer gone. Sends nothing, so it cannot
    /// disturb a transaction the connection holds open (see the type's note on snapshots).
    public func watchForLoss(_ handler: @escaping (PostgresError) -> Void) {
        loop.watch(socket) { [self] _ in
            guard let connection else { return }
            if PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK {
                loop.unwatch(socket)
                handler(lastError())
                return
            }
            // A notice or a parameter change: nothing to do, the connection is fine.
            while PQisBusy(connection) == 0, let result = PQgetResult(connection) { PQclear(result) }
        }
    }

    /// Stops watching for loss (before sending a query on a watched connection).
    public func stopWatching() {
        loop.unwatch(socket)
    }

    /// Closes the connection; the server ends its transaction and releases its locks.
    public func close() {
        guard let connection else { return }
        if socket >= 0 { loop.unwatch(socket) }
        PQfinish(connection)
        self.connection = nil
    }

    fileprivate func adopt() {
        socket = PQsocket(connection)
    }

    private func lastError() -> PostgresError {
        PostgresError(libpqMessage: connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "connection closed")
    }

    private static func error(of result: OpaquePointer) -> PostgresError {
        let field = { (code: Int32) in PQresultErrorField(result, code).map { String(cString: $0) } }
        return PostgresError(sqlState: field(Int32(UInt8(ascii: "C"))),
                             message: field(Int32(UInt8(ascii: "M"))) ?? String(cString: PQresultErrorMessage(result)))
    }

    private static func rows(of result: OpaquePointer) -> [Row] {
        (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// An attempt to connect in progress: PQconnectPoll driven by socket readiness on the loop,
    /// which keeps the attempt alive until its completion has run: a caller may drop it.
    public final class ConnectAttempt {
        private let loop: EventLoop
        private let timeout: Duration
        private var completion: ((Result<PostgresConnection, PostgresError>) -> Void)?
        private var connection: OpaquePointer?
        private var socket: Int32 = -1
        private var timer: EventLoop.TimerID?
        private let parameters: ConnectionParameters

        fileprivate init(parameters: ConnectionParameters, loop: EventLoop, timeout: Duration,
                         completion: @escaping (Result<PostgresConnection, PostgresError>) -> Void) {
            self.parameters = parameters
            self.loop = loop
            self.timeout = timeout
            self.completion = completion
        }

        fileprivate func start() {
            connection = withCStrings(parameters.keywords.map { $0.0 }) { keys in
                withCStrings(parameters.keywords.map { $0.1 }) { values in
                    // libpq takes `const char *const *`: the same pointers, read-only.
                    PQconnectStartParams(UnsafeRawPointer(keys).assumingMemoryBound(to: UnsafePointer<CChar>?.self),
                                         UnsafeRawPointer(values).assumingMemoryBound(to: UnsafePointer<CChar>?.self), 1)
                }
            }
            // Reported from the loop, like every other outcome, so the caller's state is settled.
            guard let connection else {
                loop.schedule(after: .zero) { [self] in finish(.failure(PostgresError(sqlState: nil, message: "out of memory"))) }
                return
            }
            guard PQstatus(connection) != CONNECTION_BAD else {
                // Nothing was sent yet: libpq refused the settings (see `unusableSettings`).
                loop.schedule(after: .zero) { [self] in finish(.failure(.unusableSettings)) }
                return
            }
            // Verbose errors put the server's SQLSTATE in the message: the only way to tell a
            // wrong password from a server that is starting up before a connection exists.
            PQsetErrorVerbosity(connection, PQERRORS_VERBOSE)
            // libpq prints notices (and a FATAL sent before the server closes a connection) to
            // stderr by default; djinit reports what matters itself, in its own log format.
            PQsetNoticeProcessor(connection, { _, _ in }, nil)
            timer = loop.schedule(after: timeout) { [self] in
                finish(.failure(PostgresError(sqlState: nil, message: "no answer within \(timeout.wholeMilliseconds) ms")))
            }
            advance(PGRES_POLLING_WRITING)
        }

        /// Abandons the attempt; the completion is not called.
        public func cancel() {
            completion = nil
            finish(nil)
        }

        private func advance(_ state: PostgresPollingStatusType) {
            guard let connection else { return }
            let descriptor = PQsocket(connection)
            if descriptor != socket, socket >= 0 { loop.unwatch(socket) }
            socket = descriptor
            switch state {
            case PGRES_POLLING_OK:
                loop.unwatch(socket)
                let open = PostgresConnection(connection: connection, loop: loop)
                self.connection = nil
                open.adopt()
                finish(.success(open))
            case PGRES_POLLING_FAILED:
                fail()
            default:
                loop.watch(socket, events: state == PGRES_POLLING_READING ? EventLoop.readable : EventLoop.writable) { [self] _ in
                    guard let connection = self.connection else { return }
                    advance(PQconnectPoll(connection))
                }
            }
        }

        private func fail() {
            let message = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "out of memory"
            finish(.failure(PostgresError(libpqMessage: message)))
        }

        private func finish(_ result: Result<PostgresConnection, PostgresError>?) {
            if let timer { loop.cancel(timer) }
            timer = nil
            if socket >= 0 { loop.unwatch(socket) }
            if let connection { PQfinish(connection) }
            connection = nil
            let completion = self.completion
            self.completion = nil
            if let result { completion?(result) }
        }
    }
}
