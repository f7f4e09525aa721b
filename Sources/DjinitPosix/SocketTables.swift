import CDjinitShim

/// What a process can learn of this network namespace's sockets, including those it does not own,
/// without privileges: TCP sockets from the kernel's sock_diag netlink interface (what `ss` uses),
/// UDP counters from `/proc/net`.
///
/// Not `/proc/net/tcp` for TCP: it lists every socket as text, and a busy web pod holds tens of
/// thousands in TIME_WAIT (the server closes each connection), so reading it costs milliseconds of
/// kernel and parsing time per sample. sock_diag filters by state and port in the kernel and
/// answers with the few sockets asked for.
public enum SocketTables {
    /// The states of a TCP socket that matter here.
    public enum TCPState: Sendable, Equatable {
        case listening
        /// Established, or closed by the peer but not yet by its owner (close-wait): a connection
        /// its owner may still be serving.
        case connected
    }

    /// One TCP socket.
    public struct TCPEntry: Sendable, Equatable {
        public let localPort: UInt16
        public let state: TCPState
        /// For a listening socket, the connections waiting to be accepted now (the accept queue);
        /// for a connected one, the bytes received and not read yet.
        public let receiveQueue: Int
        /// For a listening socket, the accept queue's limit (its backlog, capped by somaxconn).
        public let sendQueue: Int
        /// The socket's inode: `socket:[INODE]` in its owners' `/proc/PID/fd`; 0 for a connection
        /// still waiting in a listening socket's accept queue, which no process owns yet.
        public let inode: UInt64
    }

    /// The listening and connected TCP sockets, IPv4 and IPv6, whose local port is `port`; nil if
    /// the kernel cannot be asked (no sock_diag, as in some sandboxes).
    public static func tcp(localPort port: UInt16) -> [TCPEntry]? {
        // 1 << TCP_ESTABLISHED | 1 << TCP_CLOSE_WAIT | 1 << TCP_LISTEN
        let states: UInt32 = 1 << 1 | 1 << 8 | 1 << 10
        let fd: Int32
        do {
            fd = try syscall("socket(NETLINK_SOCK_DIAG)") {
                socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_SOCK_DIAG)
            }
        } catch {
            return nil
        }
        defer { _ = systemClose(fd) }
        var entries: [TCPEntry] = []
        for family in [AF_INET, AF_INET6] {
            guard let found = try? dump(fd, family: family, states: states, port: port) else { return nil }
            entries += found
        }
        return entries
    }

    /// One family's dump: the request, then replies until the kernel says it is done.
    private static func dump(_ fd: Int32, family: Int32, states: UInt32, port: UInt16) throws(SystemError) -> [TCPEntry] {
        var request = [UInt8](repeating: 0, count: 128)
        let length = request.withUnsafeMutableBytes {
            djinit_sock_diag_tcp_request($0.baseAddress, $0.count, family, states, port)
        }
        _ = try syscall("send(sock_diag)") { request.withUnsafeBytes { send(fd, $0.baseAddress, length, 0) } }
        // The kernel writes a dump in reads of up to 32 KiB; it fills each within the read.
        var replies = [UInt8](repeating: 0, count: 32 << 10)
        var sockets = [djinit_tcp_socket](repeating: djinit_tcp_socket(), count: replies.count / 16)
        var entries: [TCPEntry] = []
        var done: Int32 = 0
        while done == 0 {
            let received = try syscall("recv(sock_diag)") { replies.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
            if received == 0 { break }
            let count = try syscall("sock_diag reply") {
                replies.withUnsafeBytes { buffer in
                    sockets.withUnsafeMutableBufferPointer {
                        djinit_sock_diag_tcp_decode(buffer.baseAddress, received, $0.baseAddress, $0.count, &done)
                    }
                }
            }
            for socket in sockets[0..<count] where socket.local_port == port {
                let state: TCPState
                switch socket.state {
                case 10: state = .listening
                case 1, 8: state = .connected
                default: continue
                }
                entries.append(TCPEntry(localPort: socket.local_port, state: state, receiveQueue: Int(socket.receive_queue),
                                        sendQueue: Int(socket.send_queue), inode: UInt64(socket.inode)))
            }
        }
        return entries
    }

    /// How many datagrams the kernel dropped for the UDP socket bound to `port` since it was
    /// created, because its receive buffer was full; nil if there is no such socket.
    public static func udpDrops(localPort port: UInt16, procRoot: String = "/proc") -> Int? {
        // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode ref pointer drops
        for table in ["udp", "udp6"] {
            for fields in lines(procRoot + "/net/" + table) where fields.count >= 13 && localPort(fields[1]) == port {
                return Int(fields[12])
            }
        }
        return nil
    }

    /// The inodes of the sockets process `pid` has open; empty if its descriptors cannot be read.
    public static func socketInodes(of pid: Int32, procRoot: String = "/proc") -> Set<UInt64> {
        let directory = "\(procRoot)/\(pid)/fd"
        var inodes: Set<UInt64> = []
        for name in DirectoryReader.namesIfAny(in: directory) {
            guard let target = FileStatus.linkTarget(directory + "/" + name), target.hasPrefix("socket:["),
                  let inode = UInt64(target.dropFirst("socket:[".count).dropLast()) else { continue }
            inodes.insert(inode)
        }
        return inodes
    }

    /// The fields of each line after the header.
    private static func lines(_ path: String) -> [[Substring]] {
        // A table has a line per socket; a pod has few. The limit bounds a node-sized one.
        guard let text = FileReader.text(of: path, limit: 4 << 20) else { return [] }
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: " ") }
    }

    /// The port of `0100007F:1F40` (IPv4) or a 32-digit IPv6 address with its port.
    private static func localPort(_ field: Substring) -> UInt16? {
        field.split(separator: ":").last.flatMap { UInt16($0, radix: 16) }
    }
}
