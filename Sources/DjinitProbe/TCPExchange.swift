import DjinitEventLoop
import DjinitPosix

/// One exchange with a TCP server on the event loop, without blocking: connect, send a request,
/// read until the reply is complete; all by a deadline, and reported exactly once.
///
/// The machinery under `HTTPCheck` (gunicorn, the probe server) and async's Redis `PING`; each
/// says only what to send and when a reply is complete. The loop's registrations keep an exchange
/// alive until its completion has run (`EventLoop`), so the caller need not keep it.
public final class TCPExchange {
    /// How an exchange ended.
    public enum Outcome: Equatable, Sendable {
        /// Connected, for an exchange with no request.
        case connected
        /// The reply, as far as it was read: complete, cut at the limit, or ended by the server.
        case replied([UInt8])
        /// No connection, a send or read error, or no reply in time: why, in one line.
        case failed(String)
    }

    private let loop: EventLoop
    private let request: [UInt8]?
    private let limit: Int
    private let isComplete: ([UInt8]) -> Bool
    private let completion: (Outcome) -> Void
    private var fd: Int32 = -1
    private var sent = 0
    private var received: [UInt8] = []
    private var deadline: EventLoop.TimerID?
    private var finished = false

    /// Starts an exchange with `endpoint`; `completion` runs exactly once, on the loop, never from
    /// within this call.
    ///
    /// - Parameters:
    ///   - request: the bytes to send once connected; nil checks only that the server accepts
    ///     the connection.
    ///   - limit: the most of a reply that is read.
    ///   - isComplete: whether the bytes read so far are a whole reply. The server closing the
    ///     connection, or the limit, also ends the reading.
    @discardableResult
    public static func start(
        loop: EventLoop, endpoint: IPv4Endpoint, request: [UInt8]?, limit: Int, timeout: Duration,
        isComplete: @escaping ([UInt8]) -> Bool = { _ in false }, completion: @escaping (Outcome) -> Void
    ) -> TCPExchange {
        let exchange = TCPExchange(loop: loop, request: request, limit: limit, isComplete: isComplete, completion: completion)
        exchange.begin(endpoint: endpoint, timeout: timeout)
        return exchange
    }

    private init(loop: EventLoop, request: [UInt8]?, limit: Int, isComplete: @escaping ([UInt8]) -> Bool,
                 completion: @escaping (Outcome) -> Void) {
        self.loop = loop
        self.request = request
        self.limit = limit
        self.isComplete = isComplete
        self.completion = completion
    }

    private func begin(endpoint: IPv4Endpoint, timeout: Duration) {
        deadline = loop.schedule(after: timeout) { [self] in
            deadline = nil
            finish(.failed("no answer from \(endpoint) within \(timeout.wholeMilliseconds) ms"))
        }
        do {
            fd = try TCPSocket.startConnect(to: endpoint)
        } catch {
            // Reported from the loop, like every other outcome, so the caller's state is settled.
            loop.schedule(after: .zero) { [self] in finish(.failed(error.description)) }
            return
        }
        loop.watch(fd, events: EventLoop.writable) { [self] _ in connected() }
    }

    private func connected() {
        if let error = TCPSocket.connectionError(fd) {
            finish(.failed(error.description))
            return
        }
        guard let request else {
            finish(.connected)
            return
        }
        loop.watch(fd, events: EventLoop.writable) { [self] _ in send(request) }
        send(request)
    }

    private func send(_ request: [UInt8]) {
        do {
            guard case .processed(let count) = try TCPSocket.write(fd, request, from: sent) else { return }
            sent += count
        } catch {
            finish(.failed("sending the request: \(error)"))
            return
        }
        if sent == request.count {
            loop.watch(fd) { [self] _ in receive() }
        }
    }

    private func receive() {
        let outcome: SocketRead
        do {
            outcome = try TCPSocket.read(fd, into: &received, limit: limit - received.count)
        } catch {
            finish(.failed("reading the reply: \(error)"))
            return
        }
        switch outcome {
        case .wouldBlock:
            return
        case .bytes where received.count < limit && !isComplete(received):
            return
        case .bytes, .endOfFile:
            finish(.replied(received))
        }
    }

    private func finish(_ outcome: Outcome) {
        guard !finished else { return }
        finished = true
        if let deadline { loop.cancel(deadline) }
        if fd >= 0 {
            loop.unwatch(fd)
            TCPSocket.close(fd)
        }
        completion(outcome)
    }
}
