import DjinitEventLoop
import DjinitPosix

/// One check of a TCP server on the event loop, without blocking: connect and, if asked, one
/// HTTP request; the result is reported once, by the deadline at the latest.
///
/// `run` uses it to see whether gunicorn accepts connections (and answers the deep-check path),
/// and `djinit probe` to query the probe server.
public enum HTTPCheck {
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

    /// Starts a check of `endpoint`; `completion` runs exactly once, on the loop, never from
    /// within this call.
    ///
    /// - Parameter request: the bytes of one HTTP request (sent with `Connection: close`, so the
    ///   response ends with the connection); nil checks only that the server accepts it.
    public static func start(loop: EventLoop, endpoint: IPv4Endpoint, request: [UInt8]?, timeout: Duration,
                             completion: @escaping (Outcome) -> Void) {
        TCPExchange.start(loop: loop, endpoint: endpoint, request: request, limit: responseLimit, timeout: timeout) {
            switch $0 {
            case .connected: completion(.connected)
            case .replied(let response): completion(parse(response))
            case .failed(let reason): completion(.failed(reason))
            }
        }
    }

    /// `GET path` with the given `Host` header, closing the connection after the response.
    public static func getRequest(path: String, host: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: djinit\r\nAccept: */*\r\nConnection: close\r\n\r\n".utf8)
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
}
