import DjinitEventLoop
import DjinitPosix
import DjinitProbe
import DjinitTestSupport
import Foundation
import Glibc
import Testing

/// The probe server on a bare event loop of its own thread, against clients that mean harm.
@Suite struct ProbeServerTests {
    /// A probe server answering 200 on every path, on its own thread, until `stop()`.
    final class Harness: Sendable {
        let port: UInt16
        private let stopWriter: Int32
        private let finished = Locked(false)

        init(limits: ProbeServer.Limits = ProbeServer.Limits()) throws {
            port = try FreePort.next()
            var pipeEnds: [Int32] = [0, 0]
            guard pipe(&pipeEnds) == 0 else { throw TestFailure("pipe failed") }
            stopWriter = pipeEnds[1]
            let stopReader = pipeEnds[0]
            let port = port
            let started = Locked<String?>(nil)
            let finished = finished
            Thread {
                let loop = EventLoop()
                do {
                    // The loop keeps the server alive while it listens; when run() ends it lets the
                    // server go, which closes its socket.
                    _ = try ProbeServer(loop: loop, endpoint: IPv4Endpoint.loopback(port: port),
                                        logger: .init(level: .error), limits: limits) { _ in .ok }
                    loop.watch(stopReader) { _ in loop.stop() }
                    started.withLock { $0 = "listening" }
                    try loop.run()
                } catch {
                    started.withLock { $0 = "\(error)" }
                }
                close(stopReader)
                finished.withLock { $0 = true }
            }.start()
            try waitUntil("the probe server listens") { started.withLock { $0 } != nil }
            if let failure = started.withLock({ $0 }), failure != "listening" { throw TestFailure(failure) }
        }

        func stop() {
            _ = write(stopWriter, "x", 1)
            try? waitUntil("the probe server's loop ends") { finished.withLock { $0 } }
            close(stopWriter)
        }
    }

    @Test("clients that hold every slot and reconnect as soon as they are closed never get a real probe closed unread")
    func connectionChurn() throws {
        let server = try Harness()
        defer { server.stop() }
        let done = Locked(false)
        // Four clients of 64 connections each, twice the server's 128: whenever one of theirs is
        // closed, they connect again at once.
        let churners = (0..<4).map { _ in
            Thread {
                var sockets: [Int32] = (0..<64).compactMap { _ in try? HTTPClient.connect(port: server.port, timeout: .seconds(2)) }
                while !done.withLock({ $0 }) {
                    var descriptors = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                    _ = poll(&descriptors, nfds_t(descriptors.count), 20)
                    for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                        close(sockets[index])
                        sockets[index] = (try? HTTPClient.connect(port: server.port, timeout: .seconds(2))) ?? -1
                    }
                    sockets = sockets.filter { $0 >= 0 }
                    while sockets.count < 64, let fd = try? HTTPClient.connect(port: server.port, timeout: .seconds(2)) {
                        sockets.append(fd)
                    }
                }
                sockets.forEach { close($0) }
            }
        }
        churners.forEach { $0.start() }
        defer { done.withLock { $0 = true } }
        usleep(300_000)
        var failures: [String] = []
        for _ in 0..<200 {
            do {
                let answer = try HTTPClient.get(port: server.port, "/livez", timeout: .seconds(2))
                if answer.status != 200 { failures.append("status \(answer.status)") }
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of 200 probes failed: \(failures.prefix(3))")
    }
}
