import DjinitEventLoop
import DjinitPosix
import DjinitPostgres
import DjinitProbe
import DjinitSettings
import DjinitSupervisor
import DjinitText

/// `/readyz`'s check of where the worker's tasks come from, run on the event loop.
///
/// - Celery on Redis: a TCP connect and `PING` (after `AUTH` when the URL has a password): the
///   answer must be `+PONG`, so a Redis that is loading its dataset or refuses the password is not
///   ready. Celery on AMQP, or over TLS: a TCP connect.
/// - django-q2: its ORM broker is the database, so a `SELECT 1` over a connection djinit keeps
///   open to `DATABASE_URL`.
final class BrokerCheck {
    /// What is checked.
    enum Target {
        case redis(BrokerURL)
        case tcp(BrokerURL)
        case database(ConnectionParameters, name: String)
        /// Nothing to check; the reason, for the log.
        case none(String)
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
        case .redis(let url): "Redis PING to \(url.redactedText)"
        case .tcp(let url): "TCP connect to \(url.redactedText)"
        case .database(_, let name): "SELECT 1 on \(name)"
        case .none(let reason): reason
        }
    }

    /// Checks once; `completion` runs on the loop with nil when the broker answered, else why not.
    func check(timeout: Duration, completion: @escaping (String?) -> Void) {
        switch target {
        case .none:
            loop.schedule(after: .zero) { completion(nil) }
        case .redis(let url):
            connectCheck(url, redis: true, timeout: timeout, completion: completion)
        case .tcp(let url):
            connectCheck(url, redis: false, timeout: timeout, completion: completion)
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

    private func connectCheck(_ url: BrokerURL, redis: Bool, timeout: Duration,
                              completion: @escaping (String?) -> Void) {
        // Resolved once, and again after a failure: a Service's address rarely changes, and a
        // lookup is the one call here that can block (as inside libpq).
        guard let endpoint = endpoint ?? BrokerCheck.resolve(url) else {
            loop.schedule(after: .zero) { completion("cannot resolve the broker host \(Escaping.quotedValue(url.host))") }
            return
        }
        self.endpoint = endpoint
        if redis {
            RedisPing.start(loop: loop, endpoint: endpoint, url: url, timeout: timeout) { [self] reason in
                if reason != nil { self.endpoint = nil }
                completion(reason.map { "Redis at \(endpoint): \($0)" })
            }
        } else {
            HTTPCheck.start(loop: loop, endpoint: endpoint, request: nil, timeout: timeout) { [self] outcome in
                guard case .failed(let reason) = outcome else {
                    completion(nil)
                    return
                }
                self.endpoint = nil
                completion("broker at \(endpoint): \(reason)")
            }
        }
    }

    private func databaseCheck(_ parameters: ConnectionParameters, timeout: Duration,
                               completion: @escaping (String?) -> Void) {
        let timer = loop.schedule(after: timeout) { [self] in
            close()
            inFlight = nil
            completion("the database did not answer within \(timeout.settingText)")
        }
        let done: (String?) -> Void = { [self] reason in
            guard inFlight != nil else { return }
            inFlight = nil
            loop.cancel(timer)
            if reason != nil { close() }
            completion(reason)
        }
        inFlight = {}
        if let database {
            database.query("SELECT 1") { result in
                if case .failure(let error) = result { done("the database: \(error)") } else { done(nil) }
            }
            return
        }
        connecting = PostgresConnection.connect(parameters, loop: loop, timeout: timeout) { [self] result in
            connecting = nil
            switch result {
            case .failure(let error):
                done("the database: \(error)")
            case .success(let connection):
                guard inFlight != nil else {
                    connection.close()
                    return
                }
                database = connection
                connection.query("SELECT 1") { result in
                    if case .failure(let error) = result { done("the database: \(error)") } else { done(nil) }
                }
            }
        }
    }

    /// The broker's address (an empty host is the local one, as Celery takes it).
    static func resolve(_ url: BrokerURL) -> IPv4Endpoint? {
        IPv4Endpoint.resolve(url.host.isEmpty || url.host == "localhost" ? "127.0.0.1" : url.host, port: url.port)
    }
}

/// One Redis `PING` on the event loop, without blocking: connect, send (`AUTH` and) `PING`, read
/// the replies.
enum RedisPing {
    /// The most of the replies that is read.
    static let replyLimit = 4096

    /// `AUTH` (when the URL has a password) and `PING`, as RESP arrays, so that a password with
    /// spaces or quotes goes through unchanged.
    static func request(for url: BrokerURL) -> [UInt8] {
        var commands: [[String]] = []
        if let password = url.password {
            commands.append(["AUTH"] + (url.username.map { [$0] } ?? []) + [password])
        }
        commands.append(["PING"])
        var bytes: [UInt8] = []
        for command in commands {
            bytes += Array("*\(command.count)\r\n".utf8)
            for part in command { bytes += Array("$\(part.utf8.count)\r\n\(part)\r\n".utf8) }
        }
        return bytes
    }

    /// Starts a check; `completion` runs once, on the loop, with nil for `+PONG`, else why not.
    static func start(loop: EventLoop, endpoint: IPv4Endpoint, url: BrokerURL, timeout: Duration,
                      completion: @escaping (String?) -> Void) {
        let expectedReplies = url.password == nil ? 1 : 2
        TCPExchange.start(
            loop: loop, endpoint: endpoint, request: request(for: url), limit: replyLimit, timeout: timeout,
            isComplete: { received in
                let lines = completeLines(received)
                return lines.count >= expectedReplies || lines.contains { $0.hasPrefix("-") }
            },
            completion: { outcome in
                switch outcome {
                case .connected: completion("no reply to PING")
                case .failed(let reason): completion(reason)
                case .replied(let received): completion(verdict(completeLines(received), expectedReplies: expectedReplies))
                }
            })
    }

    /// The reply lines that have their line end.
    static func completeLines(_ received: [UInt8]) -> [String] {
        let lines = received.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        return received.last == UInt8(ascii: "\n") ? lines : Array(lines.dropLast())
    }

    /// Nil if the replies end in `+PONG`, else why not.
    static func verdict(_ lines: [String], expectedReplies: Int) -> String? {
        if let error = lines.first(where: { $0.hasPrefix("-") }) {
            return "answered \(error.dropFirst().filter { $0 != "\r" })"
        }
        guard lines.count >= expectedReplies else { return "the connection closed before the reply to PING" }
        return lines[expectedReplies - 1].hasPrefix("+PONG") ? nil : "unexpected reply to PING"
    }
}
