import DjinitEventLoop
import DjinitLogging
import DjinitPosix

/// A tiny HTTP/1.1 server for probes, on djinit's event loop: no thread, no blocking call.
///
/// It is built to survive hostile clients without delaying anything else on the loop:
/// - a request head may be at most `Limits.requestBytes` long (431 beyond);
/// - each connection must deliver its whole request, and take its whole response, within
///   `Limits.connectionDeadline` of being accepted, or it is closed; a client sending one byte per
///   second holds its slot for that long and no longer;
/// - at most `Limits.connections` are open at once; at the cap one is closed to make room: the
///   oldest that has sent nothing yet, else the oldest. Requests that have arrived are served
///   before any connection is accepted (the listener's handler runs last in a loop turn), so a
///   client that reconnects as soon as it is closed cannot have a real probe closed unread: a
///   probe sends its request at once and is answered within a loop turn;
/// - only GET and HEAD are answered (405 otherwise), and nothing but the request line is read;
/// - every response closes its connection.
///
/// The loop's watch of the listening socket keeps the server alive while it listens, and the
/// server keeps `respond` (`EventLoop` on who keeps a callback's object alive); whoever started it
/// calls `close()` when it is done serving, which ends both.
public final class ProbeServer {
    /// The server's defences; the defaults suit probes (a request of a few hundred bytes, sent
    /// at once).
    public struct Limits: Sendable {
        public var requestBytes = 4096
        public var connectionDeadline: Duration = .seconds(2)
        public var connections = 128
        public init() {}
    }

    /// Counters for `/metrics`.
    public struct Statistics: Sendable {
        /// Connections accepted.
        public var accepted = 0
        /// Closed unanswered because the connection cap was reached and they were the oldest.
        public var evicted = 0
        /// Closed because they missed their deadline.
        public var timedOut = 0
        /// Answered with 400, 405 or 431.
        public var rejected = 0
    }

    private struct Connection {
        let fd: Int32
        var received: [UInt8] = []
        var response: [UInt8] = []
        var sent = 0
        var deadline: EventLoop.TimerID?
    }

    public private(set) var statistics = Statistics()
    private let loop: EventLoop
    private let logger: Logger
    private let limits: Limits
    /// Kept while the server serves, dropped by `close()` (`EventLoop` on who keeps a callback).
    private var respond: ((ProbeRequest) -> ProbeResponse)?
    private let listener: Int32
    private var connections: [Int32: Connection] = [:]
    /// Open connections, oldest first: who is evicted at the cap.
    private var acceptOrder: [Int32] = []

    /// Listens on `endpoint` and answers each well-formed GET or HEAD with `respond`'s response.
    public init(loop: EventLoop, endpoint: IPv4Endpoint, logger: Logger, limits: Limits = Limits(),
                respond: @escaping (ProbeRequest) -> ProbeResponse) throws(SystemError) {
        self.loop = loop
        self.logger = logger
        self.limits = limits
        self.respond = respond
        listener = try TCPSocket.listen(on: endpoint)
        listen()
    }

    deinit {
        TCPSocket.close(listener)
        for fd in connections.keys { TCPSocket.close(fd) }
    }

    /// Stops listening, closes every connection, and drops `respond`.
    public func close() {
        loop.unwatch(listener)
        for fd in Array(connections.keys) { closeConnection(fd) }
        respond = nil
    }

    private func listen() {
        loop.watch(listener, turn: .last) { [self] _ in acceptPending() }
    }

    private func acceptPending() {
        // Bounded, so that a connect flood cannot keep the loop here; the rest wait for the next turn.
        for _ in 0..<limits.connections {
            let fd: Int32
            do {
                guard case .processed(let accepted) = try TCPSocket.accept(listener) else { return }
                fd = accepted
            } catch {
                // EMFILE and the like: the pending connection stays queued and poll reports it
                // again at once, so back off for a moment instead of spinning.
                logger.warning("probe-accept", "cannot accept a probe connection: \(error)")
                loop.unwatch(listener)
                loop.schedule(after: .milliseconds(100)) { [self] in listen() }
                return
            }
            statistics.accepted += 1
            if acceptOrder.count >= limits.connections {
                statistics.evicted += 1
                let silent = acceptOrder.first { connections[$0]?.received.isEmpty == true }
                closeConnection(silent ?? acceptOrder[0])
            }
            var connection = Connection(fd: fd)
            connection.deadline = loop.schedule(after: limits.connectionDeadline) { [self] in
                statistics.timedOut += 1
                closeConnection(fd)
            }
            connections[fd] = connection
            acceptOrder.append(fd)
            loop.watch(fd) { [self] _ in receive(fd) }
        }
    }

    /// Reads what the client sent. The poll events are not trusted: a descriptor number may have
    /// been closed and reused for a new connection within one loop turn, so the read itself says
    /// what happened.
    private func receive(_ fd: Int32) {
        guard var connection = connections[fd], connection.response.isEmpty else { return }
        let outcome: SocketRead
        do {
            outcome = try TCPSocket.read(fd, into: &connection.received,
                                         limit: limits.requestBytes - connection.received.count)
        } catch {
            closeConnection(fd)
            return
        }
        switch outcome {
        case .wouldBlock:
            return
        case .endOfFile:
            closeConnection(fd)
            return
        case .bytes:
            connections[fd] = connection
        }
        switch RequestHead(parsing: connection.received, limit: limits.requestBytes) {
        case .incomplete:
            return
        case .complete(let request):
            guard let respond else { return closeConnection(fd) }
            if request.method == "GET" || request.method == "HEAD" {
                answer(fd, respond(request).serialized(headOnly: request.method == "HEAD"))
            } else {
                statistics.rejected += 1
                answer(fd, ProbeResponse(status: 405, body: "only GET and HEAD\n",
                                         extraHeaders: ["Allow: GET, HEAD"]).serialized())
            }
        case .malformed:
            statistics.rejected += 1
            answer(fd, ProbeResponse(status: 400, body: "bad request\n").serialized())
        case .tooLarge:
            statistics.rejected += 1
            answer(fd, ProbeResponse(status: 431, body: "request too large\n").serialized())
        }
    }

    private func answer(_ fd: Int32, _ response: [UInt8]) {
        connections[fd]?.response = response
        loop.watch(fd, events: EventLoop.writable) { [self] _ in send(fd) }
        send(fd)
    }

    private func send(_ fd: Int32) {
        guard var connection = connections[fd] else { return }
        do {
            guard case .processed(let count) = try TCPSocket.write(fd, connection.response, from: connection.sent) else { return }
            connection.sent += count
        } catch {
            closeConnection(fd)
            return
        }
        if connection.sent == connection.response.count {
            closeConnection(fd)
        } else {
            connections[fd] = connection
        }
    }

    private func closeConnection(_ fd: Int32) {
        guard let connection = connections.removeValue(forKey: fd) else { return }
        if let deadline = connection.deadline { loop.cancel(deadline) }
        acceptOrder.removeAll { $0 == fd }
        loop.unwatch(fd)
        TCPSocket.close(fd)
    }
}
