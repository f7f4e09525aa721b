#if canImport(Glibc)
import Glibc
#endif
import CDjinitShim

/// An IPv4 address and TCP port, such as `127.0.0.1:8081`.
public struct IPv4Endpoint: Sendable, Equatable, CustomStringConvertible {
    /// The address in network byte order, as `sockaddr_in` holds it.
    public let address: in_addr_t
    public let port: UInt16

    /// `nil` if `dottedQuad` is not an IPv4 address like `10.0.0.7`.
    public init?(_ dottedQuad: String, port: UInt16) {
        var parsed = in_addr()
        guard inet_pton(AF_INET, dottedQuad, &parsed) == 1 else { return nil }
        address = parsed.s_addr
        self.port = port
    }

    /// Whether this is the wildcard address 0.0.0.0, which one can listen on but not connect to.
    public var isWildcard: Bool { address == 0 }

    /// `127.0.0.1` on `port`.
    public static func loopback(port: UInt16) -> IPv4Endpoint { IPv4Endpoint("127.0.0.1", port: port)! }

    public var description: String {
        let bytes = withUnsafeBytes(of: address) { Array($0) }
        return bytes.map(String.init).joined(separator: ".") + ":\(port)"
    }

    fileprivate var socketAddress: sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = port.bigEndian
        result.sin_addr = in_addr(s_addr: address)
        return result
    }
}

/// What a non-blocking read got.
public enum SocketRead: Equatable {
    /// This many bytes (more than zero) were appended to the buffer.
    case bytes(Int)
    /// Nothing to read now; wait for POLLIN.
    case wouldBlock
    /// The peer closed its side.
    case endOfFile
}

/// Non-blocking TCP sockets, for the probe server and the checks djinit makes on the event loop.
///
/// Every socket is created non-blocking and close-on-exec: no call here ever waits, and no socket
/// leaks into a spawned child (gunicorn must not inherit the probe port).
public enum TCPSocket {
    /// A listening socket on `endpoint`, with SO_REUSEADDR so a restarted djinit can bind at once
    /// while old connections linger in TIME_WAIT.
    public static func listen(on endpoint: IPv4Endpoint, backlog: Int32 = SOMAXCONN) throws(SystemError) -> Int32 {
        let fd = try newSocket()
        do {
            var one: Int32 = 1
            _ = try retryingOnEINTR("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            var address = endpoint.socketAddress
            _ = try retryingOnEINTR("bind(\(endpoint))") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            _ = try retryingOnEINTR("listen(\(endpoint))") { Glibc.listen(fd, backlog) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// The next pending connection on `listener`, non-blocking and close-on-exec; nil when none
    /// is pending. Errors that concern only the one connection (it was reset before it was
    /// accepted) are also reported as nil after being skipped.
    public static func accept(_ listener: Int32) throws(SystemError) -> Int32? {
        while true {
            let fd = djinit_accept_nonblocking(listener)
            if fd >= 0 { return fd }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw SystemError("accept4")
            }
        }
    }

    /// Starts connecting to `endpoint` without waiting: the returned socket becomes writable when
    /// the connection is made or failed, and `connectionError(_:)` then tells which.
    public static func startConnect(to endpoint: IPv4Endpoint) throws(SystemError) -> Int32 {
        let fd = try newSocket()
        var address = endpoint.socketAddress
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // EINTR on a non-blocking connect also means "in progress": the connect goes on.
        if result == 0 || errno == EINPROGRESS || errno == EINTR { return fd }
        let error = SystemError("connect(\(endpoint))")
        close(fd)
        throw error
    }

    /// After a started connect made the socket writable: nil if it connected, else why not.
    public static func connectionError(_ fd: Int32) -> SystemError? {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == -1 { return SystemError("getsockopt(SO_ERROR)") }
        return error == 0 ? nil : SystemError("connect", errno: error)
    }

    /// Reads what is available, at most `limit` bytes, appending it to `buffer`.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], limit: Int) throws(SystemError) -> SocketRead {
        var chunk = [UInt8](repeating: 0, count: max(1, min(limit, 16 * 1024)))
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return .bytes(count)
            }
            if count == 0 { return .endOfFile }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SystemError("read(socket)")
            }
        }
    }

    /// Writes as much of `bytes[offset...]` as the socket takes now; returns how many bytes went.
    /// MSG_NOSIGNAL: a peer that went away is an error here, not a SIGPIPE.
    public static func write(_ fd: Int32, _ bytes: [UInt8], from offset: Int) throws(SystemError) -> Int {
        while true {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw SystemError("send")
            }
        }
    }

    /// Closes `fd`. close(2) is not retried on EINTR: on Linux the descriptor is gone either way.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    private static func newSocket() throws(SystemError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try retryingOnEINTR("socket") { socket(AF_INET, type, 0) }
    }
}
