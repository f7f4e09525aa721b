#if canImport(Glibc)
import Glibc
#endif
import DjinitPosix
import DjinitSupervisor

/// One check of a TCP server on the event loop, without blocking: connect and, if asked, one
/// HTTP request; the result is reported once, by the deadline at the latest.
///
/// `run` uses it to see whether gunicorn accepts connections (and answers the deep-check path),
/// and `djinit probe` to query the probe server.
public final class HTTPCheck {
    /// How a check ended.
    public enum Outcome: Equatable, Sendable {
        /// Connected (for a connect-only check).
        case connected
        /// The server answered with this status; `body` is what came with it (at most
        /// `HTTPCheck.responseLimit` bytes of the whole response).
        case answered(status: Int, body: String)
        /// No connection, no valid answer, or no answer in time: why, in one line.
        case failed(String)
    }

    /// The most of a response that is read; a larger one is judged by its status line.
    public static let responseLimit = 64 * 1024

    private let loop: EventLoop
    private let request: [UInt8]?
    private let completion: (Outcome) -> Void
    private var fd: Int32 = -1
    private var sent = 0
    private var received: [UInt8] = []
    private var deadline: EventLoop.TimerID?
    private var finished = false

    /// Starts a check of `endpoint`; `completion` runs exactly once, on the loop, never from
    /// within this call.
    ///
    /// - Parameter request: the bytes of one HTTP request, sent once connected; nil checks only
    ///   that the server accepts the connection.
    @discardableResult
    public static func start(loop: EventLoop, endpoint: IPv4Endpoint, request: [UInt8]?, timeout: Duration,
                             completion: @escaping (Outcome) -> Void) -> HTTPCheck {
        let check = HTTPCheck(loop: loop, request: request, completion: completion)
        check.begin(endpoint: endpoint, timeout: timeout)
        return check
    }

    /// `GET path` with the given `Host` header, closing the connection after the response.
    public static func getRequest(path: String, host: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: djinit\r\nAccept: */*\r\nConnection: close\r\n\r\n".utf8)
    }

    private init(loop: EventLoop, request: [UInt8]?, completion: @escaping (Outcome) -> Void) {
        self.loop = loop
        self.request = request
        self.completion = completion
    }

    private func begin(endpoint: IPv4Endpoint, timeout: Duration) {
        deadline = loop.schedule(after: timeout) { [self] in
            deadline = nil
            finish(.failed("no answer from \(endpoint) within \(timeout)"))
        }
        do {
            fd = try TCPSocket.startConnect(to: endpoint)
        } catch {
            // Reported from the loop, like every other outcome, so the caller's state is settled.
            loop.schedule(after: .zero) { [self] in finish(.failed(error.description)) }
            return
        }
        loop.watch(fd, events: Int16(POLLOUT)) { [self] _ in connected() }
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
        loop.watch(fd, events: Int16(POLLOUT)) { [self] _ in sendRequest(request) }
        sendRequest(request)
    }

    private func sendRequest(_ request: [UInt8]) {
        do {
            sent += try TCPSocket.write(fd, request, from: sent)
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
            outcome = try TCPSocket.read(fd, into: &received, limit: HTTPCheck.responseLimit - received.count)
        } catch {
            finish(.failed("reading the response: \(error)"))
            return
        }
        switch outcome {
        case .wouldBlock:
            return
        case .bytes where received.count < HTTPCheck.responseLimit:
            return
        case .bytes, .endOfFile:
            finish(HTTPCheck.parse(received))
        }
    }

    /// The status and body of a response, from its status line (`HTTP/1.1 200 OK`).
    static func parse(_ response: [UInt8]) -> Outcome {
        guard let lineEnd = response.firstIndex(of: UInt8(ascii: "\n")) else {
            return .failed(response.isEmpty ? "the connection closed without a response" : "incomplete response")
        }
        let parts = response[..<lineEnd].split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard parts.count >= 2, parts[0].starts(with: "HTTP/".utf8), parts[1].count == 3,
              let status = Int(String(decoding: parts[1], as: UTF8.self)) else {
            return .failed("not an HTTP response")
        }
        var body: ArraySlice<UInt8> = []
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        if let start = response.indices.first(where: { response[$0...].starts(with: separator) }) {
            body = response[(start + separator.count)...]
        }
        return .answered(status: status, body: String(decoding: body, as: UTF8.self))
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
