/// This network namespace's sockets as the kernel lists them in `/proc/net`: what a process can
/// learn of sockets it does not own, without privileges.
public enum SocketTables {
    /// The states of a TCP socket that matter here.
    public enum TCPState: Sendable, Equatable {
        case listening
        case established
        case other
    }

    /// One TCP socket of `/proc/net/tcp` or `/proc/net/tcp6`.
    public struct TCPEntry: Sendable, Equatable {
        public let localPort: UInt16
        public let state: TCPState
        /// For a listening socket, the connections waiting to be accepted now (the accept queue);
        /// for a connected one, the bytes received and not read yet.
        public let receiveQueue: Int
        /// The socket's inode: `socket:[INODE]` in its owners' `/proc/PID/fd`.
        public let inode: UInt64
    }

    /// Every TCP socket, IPv4 and IPv6; none if the tables cannot be read.
    public static func tcp(procRoot: String = "/proc") -> [TCPEntry] {
        ["tcp", "tcp6"].flatMap { table in
            lines(procRoot + "/net/" + table).compactMap { fields -> TCPEntry? in
                // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
                guard fields.count >= 10, let port = localPort(fields[1]),
                      let state = UInt8(fields[3], radix: 16),
                      let queue = fields[4].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                      let inode = UInt64(fields[9]) else { return nil }
                let kind: TCPState = switch state {
                case 0x0A: .listening
                case 0x01: .established
                default: .other
                }
                return TCPEntry(localPort: port, state: kind, receiveQueue: queue, inode: inode)
            }
        }
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
