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

    /// The first IPv4 address of `host` on `port`: an address as it is, a name through the
    /// system's resolver (getaddrinfo: /etc/hosts, then DNS). Nil if there is none.
    ///
    /// The one call in djinit that may block (a DNS lookup); callers resolve once and keep the
    /// result.
    public static func resolve(_ host: String, port: UInt16) -> IPv4Endpoint? {
        if let literal = IPv4Endpoint(host, port: port) { return literal }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        guard let address = first.pointee.ai_addr, first.pointee.ai_family == AF_INET else { return nil }
        let inAddress = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        return IPv4Endpoint(address: inAddress.s_addr, port: port)
    }

    private init(address: in_addr_t, port: UInt16) {
        self.address = address
        self.port = port
    }

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
            _ = try syscall("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            var address = endpoint.socketAddress
            _ = try syscall("bind(\(endpoint))") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            _ = try syscall("listen(\(endpoint))") { systemListen(fd, backlog) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// The next pending connection on `listener`, non-blocking and close-on-exec. A connection
    /// that was reset before it could be accepted concerns no one else: it is skipped.
    public static func accept(_ listener: Int32) throws(SystemError) -> IOResult<Int32> {
        while true {
            do {
                return try syscall(nonBlocking: "accept4") { djinit_accept_nonblocking(listener) }
            } catch let error where error.errno == ECONNABORTED || error.errno == EPROTO {
                continue
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
        // Not through `syscall`: a non-blocking connect that is under way reports EINPROGRESS, or
        // EINTR, and goes on either way; retrying would fail with EALREADY.
        if result == 0 || djinit_errno() == EINPROGRESS || djinit_errno() == EINTR { return fd }
        let error = SystemError("connect(\(endpoint))")
        close(fd)
        throw error
    }

    /// After a started connect made the socket writable: nil if it connected, else why not.
    public static func connectionError(_ fd: Int32) -> SystemError? {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        do {
            _ = try syscall("getsockopt(SO_ERROR)") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) }
        } catch {
            return error
        }
        return error == 0 ? nil : SystemError("connect", errno: error)
    }

    /// Reads what is available, at most `limit` bytes, appending it to `buffer`.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], limit: Int) throws(SystemError) -> SocketRead {
        var chunk = [UInt8](repeating: 0, count: max(1, min(limit, 16 * 1024)))
        let result = try syscall(nonBlocking: "read(socket)") {
            chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
        }
        switch result {
        case .wouldBlock:
            return .wouldBlock
        case .processed(0):
            return .endOfFile
        case .processed(let count):
            buffer.append(contentsOf: chunk[0..<count])
            return .bytes(count)
        }
    }

    /// Writes as much of `bytes[offset...]` as the socket takes now: how many bytes went, or
    /// `.wouldBlock` when none could. MSG_NOSIGNAL: a peer that went away is an error here, not a
    /// SIGPIPE.
    public static func write(_ fd: Int32, _ bytes: [UInt8], from offset: Int) throws(SystemError) -> IOResult<Int> {
        try syscall(nonBlocking: "send") {
            bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// Closes `fd`. close(2) is not retried on EINTR: on Linux the descriptor is gone either way.
    public static func close(_ fd: Int32) {
        _ = systemClose(fd)
    }

    private static func newSocket() throws(SystemError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try syscall("socket") { socket(AF_INET, type, 0) }
    }
}

/// One datagram read from a UDP socket.
public struct Datagram: Sendable, Equatable {
    /// How many bytes were read into the buffer.
    public let count: Int
    /// Whether the datagram was longer than the buffer, and so cut.
    public let isTruncated: Bool
}

/// Non-blocking UDP sockets on loopback, for metrics other processes send djinit (gunicorn's
/// statsD datagrams).
public enum UDPSocket {
    /// A non-blocking, close-on-exec UDP socket bound to 127.0.0.1 on a port the kernel picks, with
    /// a receive buffer of about `receiveBuffer` bytes (the kernel may cap it): a burst of
    /// datagrams waits there while the event loop is busy.
    /// - Returns: the socket and its port.
    public static func bindLoopback(receiveBuffer: Int32) throws(SystemError) -> (fd: Int32, port: UInt16) {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try syscall("socket(UDP)") { socket(AF_INET, type, 0) }
        do {
            var size = receiveBuffer
            _ = try syscall("setsockopt(SO_RCVBUF)") {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            var address = IPv4Endpoint.loopback(port: 0).socketAddress
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = try syscall("bind(127.0.0.1:0/udp)") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
                }
            }
            _ = try syscall("getsockname") {
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
            }
            return (fd, UInt16(bigEndian: address.sin_port))
        } catch {
            _ = systemClose(fd)
            throw error
        }
    }

    /// Closes `fd` (not retried on EINTR: on Linux the descriptor is gone either way).
    public static func close(_ fd: Int32) {
        _ = systemClose(fd)
    }

    /// The next datagram, into the start of `buffer` (which keeps its size).
    public static func receive(_ fd: Int32, into buffer: inout [UInt8]) throws(SystemError) -> IOResult<Datagram> {
        let capacity = buffer.count
        // MSG_TRUNC: the result is the datagram's whole length, so a cut one is known as such.
        let result = try syscall(nonBlocking: "recv(udp)") {
            buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, capacity, Int32(MSG_TRUNC)) }
        }
        guard case .processed(let length) = result else { return .wouldBlock }
        return .processed(Datagram(count: min(length, capacity), isTruncated: length > capacity))
    }
}
