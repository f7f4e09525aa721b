import DjinitEventLoop
import DjinitPosix
import DjinitPostgres
import DjinitProbe
import DjinitSettings
import DjinitText

/// `/readyz`'s check of where the worker's tasks come from, run on the event loop, and the depth of
/// its queues, read in the same exchange: once per `DJINIT_READY_CHECK_INTERVAL`, never blocking.
///
/// - Celery on Redis: a TCP connect, then `AUTH` (when the URL has a password), `SELECT` (another
///   database than 0), `PING` and `LLEN` of each queue in one pipelined exchange. Ready means the
///   answer to `PING` is `+PONG`, so a Redis that is loading its dataset or refuses the password is
///   not. Celery on AMQP, or over TLS: a TCP connect, and no queue depth.
/// - django-q2: its ORM broker is the database, so a `SELECT 1` over a connection djinit keeps
///   open to `DATABASE_URL`, then the count of queued tasks (`django_q_ormq`, not locked by a
///   worker).
final class BrokerCheck {
    /// What is checked.
    enum Target {
        /// Redis, and the names of the queues the worker consumes.
        case redis(BrokerURL, queues: [String])
        case tcp(BrokerURL)
        case database(ConnectionParameters, name: String)
        /// Nothing to check; the reason, for the log.
        case none(String)
    }

    /// What one check found.
    struct Report {
        /// Nil when the broker answered, else why not.
        var failure: String?
        /// Tasks waiting, by queue; empty when they could not be counted.
        var queues: [(name: String, length: Int)] = []
    }

    let target: Target
    private let loop: EventLoop
    private var endpoint: IPv4Endpoint?
    private var database: PostgresConnection?
    private var connecting: PostgresConnection.ConnectAttempt?
    private var inFlight: (() -> Void)?

    init(target: Target, loop: EventLoop) {
        self.target = target
        self.loop = loop
    }

    /// What the check looks at, for the log.
    var summary: String {
        switch target {
        case .redis(let url, let queues): "Redis PING to \(url.redactedText), and the length of \(queues.joined(separator: ", "))"
        case .tcp(let url): "TCP connect to \(url.redactedText)"
        case .database(_, let name): "SELECT 1 on \(name), and the tasks queued in django_q_ormq"
        case .none(let reason): reason
        }
    }

    /// Checks once; `completion` runs on the loop.
    func check(timeout: Duration, completion: @escaping (Report) -> Void) {
        switch target {
        case .none:
            loop.schedule(after: .zero) { completion(Report()) }
        case .redis(let url, let queues):
            redisCheck(url, queues: queues, timeout: timeout, completion: completion)
        case .tcp(let url):
            connectCheck(url, timeout: timeout, completion: completion)
        case .database(let parameters, _):
            databaseCheck(parameters, timeout: timeout, completion: completion)
        }
    }

    /// Closes the database connection, if any.
    func close() {
        connecting?.cancel()
        connecting = nil
        database?.close()
        database = nil
    }

    /// The broker's address, resolved once and again after a failure: a Service's address rarely
    /// changes, and a lookup is the one call here that can block (as inside libpq).
    private func resolvedEndpoint(_ url: BrokerURL, completion: @escaping (Report) -> Void) -> IPv4Endpoint? {
        // An empty host is the local one, as Celery takes it.
        let host = url.host.isEmpty || url.host == "localhost" ? "127.0.0.1" : url.host
        guard let endpoint = endpoint ?? IPv4Endpoint.resolve(host, port: url.port) else {
            loop.schedule(after: .zero) { completion(Report(failure: "cannot resolve the broker host \(Escaping.quotedValue(url.host))")) }
            return nil
        }
        self.endpoint = endpoint
        return endpoint
    }

    private func redisCheck(_ url: BrokerURL, queues: [String], timeout: Duration, completion: @escaping (Report) -> Void) {
        guard let endpoint = resolvedEndpoint(url, completion: completion) else { return }
        RedisCheck.start(loop: loop, endpoint: endpoint, url: url, queues: queues, timeout: timeout) { [self] result in
            switch result {
            case .failure(let reason):
                self.endpoint = nil
                completion(Report(failure: "Redis at \(endpoint): \(reason.description)"))
            case .success(let lengths):
                completion(Report(queues: lengths))
            }
        }
    }

    private func connectCheck(_ url: BrokerURL, timeout: Duration, completion: @escaping (Report) -> Void) {
        guard let endpoint = resolvedEndpoint(url, completion: completion) else { return }
        HTTPCheck.start(loop: loop, endpoint: endpoint, request: nil, timeout: timeout) { [self] outcome in
            guard case .failed(let reason) = outcome else {
                completion(Report())
                return
            }
            self.endpoint = nil
            completion(Report(failure: "broker at \(endpoint): \(reason)"))
        }
    }

    private func databaseCheck(_ parameters: ConnectionParameters, timeout: Duration, completion: @escaping (Report) -> Void) {
        let timer = loop.schedule(after: timeout) { [self] in
            close()
            inFlight = nil
            completion(Report(failure: "the database did not answer within \(timeout.settingText)"))
        }
        let done: (Report) -> Void = { [self] report in
            guard inFlight != nil else { return }
            inFlight = nil
            loop.cancel(timer)
            if report.failure != nil { close() }
            completion(report)
        }
        inFlight = {}
        if let database {
            checkDatabase(database, done)
            return
        }
        connecting = PostgresConnection.connect(parameters, loop: loop, timeout: timeout) { [self] result in
            connecting = nil
            switch result {
            case .failure(let error):
                done(Report(failure: "the database: \(error)"))
            case .success(let connection):
                guard inFlight != nil else {
                    connection.close()
                    return
                }
                database = connection
                checkDatabase(connection, done)
            }
        }
    }

    /// `SELECT 1` decides readiness; the queue count after it only adds to the report (a table
    /// not migrated yet counts nothing).
    private func checkDatabase(_ connection: PostgresConnection, _ done: @escaping (Report) -> Void) {
        connection.query("SELECT 1") { result in
            if case .failure(let error) = result {
                done(Report(failure: "the database: \(error)"))
                return
            }
            connection.query(DjangoQBroker.queuedTasks) { result in
                let count = (try? result.get())?.first?.first?.flatMap { Int($0) }
                done(Report(queues: count.map { [(BrokerCheck.djangoQQueue, $0)] } ?? []))
            }
        }
    }

    /// The `queue` label of django-q2's count.
    static let djangoQQueue = "django_q"
}

/// One Redis exchange on the event loop, without blocking: connect, send `AUTH`, `SELECT`,
/// `PING` and the queues' `LLEN`s at once, read the replies.
enum RedisCheck {
    /// Why a check failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The most of the replies that is read.
    static let replyLimit = 16 * 1024

    /// The keys Celery's Redis transport keeps a queue in: the queue's name, and one list per
    /// priority step beyond the first (`name\x06\x16` and the step), which tasks sent with a
    /// priority go to.
    static func keys(ofQueue name: String) -> [String] {
        [name] + [3, 6, 9].map { name + "\u{06}\u{16}\($0)" }
    }

    /// The commands, in order.
    static func commands(for url: BrokerURL, queues: [String]) -> [[String]] {
        var commands: [[String]] = []
        if let password = url.password {
            commands.append(["AUTH"] + (url.username.map { [$0] } ?? []) + [password])
        }
        if let database = url.database, database != 0 { commands.append(["SELECT", String(database)]) }
        commands.append(["PING"])
        for queue in queues {
            for key in keys(ofQueue: queue) { commands.append(["LLEN", key]) }
        }
        return commands
    }

    /// Commands as RESP arrays, so that a password or a queue name with spaces or quotes goes
    /// through unchanged.
    static func request(_ commands: [[String]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for command in commands {
            bytes += Array("*\(command.count)\r\n".utf8)
            for part in command { bytes += Array("$\(part.utf8.count)\r\n".utf8) + Array(part.utf8) + Array("\r\n".utf8) }
        }
        return bytes
    }

    /// Starts a check; `completion` runs once, on the loop, with each queue's length, or why the
    /// broker is not ready.
    static func start(loop: EventLoop, endpoint: IPv4Endpoint, url: BrokerURL, queues: [String], timeout: Duration,
                      completion: @escaping (Result<[(name: String, length: Int)], Failure>) -> Void) {
        let commands = commands(for: url, queues: queues)
        TCPExchange.start(
            loop: loop, endpoint: endpoint, request: request(commands), limit: replyLimit, timeout: timeout,
            isComplete: { received in
                let lines = completeLines(received)
                return lines.count >= commands.count || lines.prefix(commands.count - 4 * queues.count).contains { $0.hasPrefix("-") }
            },
            completion: { outcome in
                switch outcome {
                case .connected: completion(.failure(Failure(description: "no reply to PING")))
                case .failed(let reason): completion(.failure(Failure(description: reason)))
                case .replied(let received): completion(verdict(completeLines(received), commands: commands, queues: queues))
                }
            })
    }

    /// The reply lines that have their line end.
    static func completeLines(_ received: [UInt8]) -> [String] {
        let lines = received.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        return received.last == UInt8(ascii: "\n") ? lines : Array(lines.dropLast())
    }

    /// The queues' lengths if the replies before them (AUTH, SELECT, PING) succeeded and PING's
    /// is `+PONG`; else why not. A queue whose `LLEN` failed (a key of another type) counts 0.
    static func verdict(_ lines: [String], commands: [[String]], queues: [String]) -> Result<[(name: String, length: Int)], Failure> {
        let setup = commands.count - 4 * queues.count
        if let error = lines.prefix(setup).first(where: { $0.hasPrefix("-") }) {
            return .failure(Failure(description: "answered \(error.dropFirst().filter { $0 != "\r" })"))
        }
        guard lines.count >= setup else { return .failure(Failure(description: "the connection closed before the reply to PING")) }
        guard lines[setup - 1].hasPrefix("+PONG") else { return .failure(Failure(description: "unexpected reply to PING")) }
        let lengths = lines.dropFirst(setup).map { line in
            line.hasPrefix(":") ? Int(line.dropFirst().filter { $0 != "\r" }) ?? 0 : 0
        }
        return .success(queues.enumerated().map { index, name in
            (name, lengths.dropFirst(4 * index).prefix(4).reduce(0, +))
        })
    }
}
