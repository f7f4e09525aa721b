import Foundation
import Glibc
import Synchronization

/// TCP ports for one test's servers, free when handed out and never handed out twice in this
/// process, so that suites running in parallel do not collide.
///
/// Taken below the kernel's ephemeral range, never from it: a test that stops a server and starts
/// it again on the same port would otherwise find the port taken, meanwhile, by some client's
/// socket.
public enum FreePort {
    private static let given = Mutex<Set<UInt16>>([])
    /// Where ports are taken from: above the well-known services, below the ephemeral range.
    private static let range: Range<UInt16> = 20000..<30000

    public static func next() throws -> UInt16 {
        // Each test process starts at its own place, so that parallel processes rarely try the same.
        let start = Int(UInt32(getpid()) % UInt32(range.count))
        for offset in 0..<range.count {
            let port = range.lowerBound + UInt16((start + offset) % range.count)
            guard isFree(port), given.withLock({ $0.insert(port).inserted }) else { continue }
            return port
        }
        throw TestFailure("no free TCP port in \(range)")
    }

    /// Whether nothing listens on, or holds, `port` on loopback now.
    private static func isFree(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// An HTTP answer as a test sees it.
public struct HTTPAnswer: Equatable, Sendable {
    public let status: Int
    public let body: String
}

/// A blocking one-request HTTP/1.1 client on raw sockets: enough for probes and the example app.
public enum HTTPClient {
    public static func get(port: UInt16, _ path: String, host: String = "127.0.0.1",
                    timeout: Duration = .seconds(10)) throws -> HTTPAnswer {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"
        guard send(fd, request, request.utf8.count, Int32(MSG_NOSIGNAL)) == request.utf8.count else {
            throw TestFailure("GET \(path) on port \(port): write failed: \(String(cString: strerror(errno)))")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { response += buffer[0..<count]; continue }
            if count == 0 { break }
            throw TestFailure("GET \(path) on port \(port): read failed: \(String(cString: strerror(errno)))")
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let statusLine = parts[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestFailure("GET \(path) on port \(port): not an HTTP response: \(text.prefix(200))")
        }
        return HTTPAnswer(status: status, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// The status of `GET path`, or nil if nothing answered (refused, reset, timed out).
    public static func status(port: UInt16, _ path: String, timeout: Duration = .seconds(10)) -> Int? {
        try? get(port: port, path, timeout: timeout).status
    }

    /// A connected blocking socket to 127.0.0.1:`port` whose reads and writes time out.
    public static func connect(port: UInt16, timeout: Duration = .seconds(10)) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var time = timeval(tv_sec: Int(timeout.components.seconds),
                           tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let error = String(cString: strerror(errno))
            close(fd)
            throw TestFailure("connect to port \(port): \(error)")
        }
        return fd
    }
}
