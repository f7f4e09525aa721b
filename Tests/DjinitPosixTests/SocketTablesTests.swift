import DjinitPosix
import DjinitTestSupport
import Glibc
import Testing

/// `SocketTables` against this process's own sockets, as the kernel reports them.
@Suite struct SocketTablesTests {
    @Test("sock_diag: a listening socket's accept queue and its limit, then the accepted connection by inode")
    func listeningAndAccepted() throws {
        let port = try FreePort.next()
        let listener = try TCPSocket.listen(on: .loopback(port: port), backlog: 7)
        defer { TCPSocket.close(listener) }
        let ours = SocketTables.socketInodes(of: getpid())

        let idle = try #require(SocketTables.tcp(localPort: port))
        #expect(idle.count == 1)
        #expect(idle.first?.state == .listening && idle.first?.receiveQueue == 0 && idle.first?.sendQueue == 7)
        #expect(idle.first.map { ours.contains($0.inode) } == true)

        // Loopback connects complete in the kernel's handshake, before anyone accepts.
        let clients = try (0..<2).map { _ in try connectedClient(to: port) }
        defer { clients.forEach(TCPSocket.close) }
        // Each is connected already, and owned by no one yet: no inode.
        let waiting = try #require(SocketTables.tcp(localPort: port))
        #expect(waiting.first { $0.state == .listening }?.receiveQueue == 2)
        #expect(waiting.filter { $0.state == .connected }.map(\.inode) == [0, 0])

        guard case .processed(let accepted) = try TCPSocket.accept(listener) else {
            Issue.record("no connection to accept")
            return
        }
        defer { TCPSocket.close(accepted) }
        let served = try #require(SocketTables.tcp(localPort: port))
        #expect(served.first { $0.state == .listening }?.receiveQueue == 1)
        let owned = served.filter { $0.state == .connected && $0.inode != 0 }
        #expect(owned.count == 1 && served.count == 3)
        #expect(owned.allSatisfy { SocketTables.socketInodes(of: getpid()).contains($0.inode) })
        // Another port's sockets are not listed: the kernel filters by port.
        #expect(try #require(SocketTables.tcp(localPort: try FreePort.next())).isEmpty)
    }

    /// A blocking client socket connected to 127.0.0.1:`port`.
    private func connectedClient(to port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TestFailure("connect to \(port): errno \(errno)") }
        return fd
    }
}
