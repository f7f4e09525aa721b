import DjinitEventLoop
import DjinitPosix
import DjinitProbe
import DjinitTestSupport
import Foundation
import Glibc
import Testing

/// The probe server on a bare event loop of its own thread, against clients that mean harm: no
/// djinit, no gunicorn, no database, only the server under test.
@Suite struct ProbeServerTests {
    /// A probe server on its own thread until `stop()`: 200 on every path, except `/statistics`,
    /// which answers with the server's own counters.
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
                    // The loop keeps the server alive while it listens; the responder reaches the
                    // server through a box set once it exists, and close() ends that cycle.
                    let box = ServerBox()
                    let server = try ProbeServer(loop: loop, endpoint: IPv4Endpoint.loopback(port: port),
                                                 logger: .init(level: .error), limits: limits) { request in
                        guard request.path == "/statistics", let statistics = box.server?.statistics else { return .ok }
                        return ProbeResponse(status: 200, body: "accepted=\(statistics.accepted) evicted=\(statistics.evicted) "
                            + "timed_out=\(statistics.timedOut) rejected=\(statistics.rejected)")
                    }
                    box.server = server
                    loop.watch(stopReader) { _ in loop.stop() }
                    started.withLock { $0 = "listening" }
                    try loop.run()
                    server.close()
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

        /// The server's counters, by name.
        func statistics() throws -> [String: Int] {
            let body = try HTTPClient.get(port: port, "/statistics").body
            return Dictionary(uniqueKeysWithValues: body.split(separator: " ").compactMap { pair in
                let parts = pair.split(separator: "=")
                return parts.count == 2 ? (String(parts[0]), Int(parts[1]) ?? 0) : nil
            })
        }

        /// The raw response to `request`, read to the end.
        func exchange(_ request: String) throws -> String {
            let fd = try HTTPClient.connect(port: port)
            defer { close(fd) }
            _ = send(fd, request, request.utf8.count, Int32(MSG_NOSIGNAL))
            var response: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while case let count = read(fd, &buffer, buffer.count), count > 0 { response += buffer[0..<count] }
            return String(decoding: response, as: UTF8.self)
        }
    }

    /// Holds the server for its own responder; only the loop's thread touches it.
    final class ServerBox: @unchecked Sendable {
        var server: ProbeServer?
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

    /// How long each of `count` fresh probes of `/livez` took; fails on any answer but 200.
    private func probeLatencies(_ server: Harness, count: Int) throws -> [Duration] {
        try (0..<count).map { _ in
            let started = ContinuousClock.now
            let answer = try HTTPClient.get(port: server.port, "/livez", timeout: .seconds(5))
            #expect(answer.status == 200)
            usleep(20_000)
            return ContinuousClock.now - started - .milliseconds(20)
        }
    }

    @Test("500 idle connections, a byte-a-second client, a 1 MiB request line and random bytes: probes still answer within 50 ms")
    func hostileClients() throws {
        let server = try Harness()
        defer { server.stop() }
        let port = server.port
        let done = Locked(false)

        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<500 { idle.append(try HTTPClient.connect(port: port)) }

        let slowClientCut = Locked(false)
        let slow = Thread {
            guard let fd = try? HTTPClient.connect(port: port) else { return }
            defer { close(fd) }
            for byte in Array("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n".utf8) where !done.withLock({ $0 }) {
                var byte = byte
                if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) != 1 {
                    slowClientCut.withLock { $0 = true }
                    return
                }
                sleep(1)
            }
        }
        let huge = Thread {
            guard let fd = try? HTTPClient.connect(port: port) else { return }
            defer { close(fd) }
            let line = Array("GET /".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
            var offset = 0
            while offset < line.count, !done.withLock({ $0 }) {
                let count = line.withUnsafeBytes { send(fd, $0.baseAddress! + offset, line.count - offset, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { return }
                offset += count
            }
        }
        let garbage = Thread {
            var generator = SystemRandomNumberGenerator()
            while !done.withLock({ $0 }) {
                guard let fd = try? HTTPClient.connect(port: port, timeout: .seconds(2)) else { continue }
                let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
                var buffer = [UInt8](repeating: 0, count: 1024)
                _ = read(fd, &buffer, buffer.count)
                close(fd)
            }
        }
        [slow, huge, garbage].forEach { $0.start() }
        defer { done.withLock { $0 = true } }
        usleep(500_000)

        // The slowest of 30 probes; a noisy 2-core machine gets one more measurement before the
        // test fails.
        var slowest = try probeLatencies(server, count: 30).max()!
        if slowest > .milliseconds(50) { slowest = try probeLatencies(server, count: 30).max()! }
        #expect(slowest <= .milliseconds(50), "the slowest probe took \(slowest)")

        try waitUntil("the byte-a-second client is cut off at its deadline", timeout: .seconds(10)) {
            slowClientCut.withLock { $0 }
        }
        let statistics = try server.statistics()
        for outcome in ["evicted", "timed_out", "rejected"] {
            #expect((statistics[outcome] ?? 0) > 0, "no \(outcome) connection: \(statistics)")
        }
    }

    @Test("only GET and HEAD; HEAD has no body; bytes that are no request get 400")
    func methods() throws {
        let server = try Harness()
        defer { server.stop() }
        #expect(try server.exchange("POST /livez HTTP/1.1\r\nContent-Length: 0\r\n\r\n").hasPrefix("HTTP/1.1 405 "))
        let head = try server.exchange("HEAD /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 ") && head.hasSuffix("\r\n\r\n"), "\(head)")
        #expect(try server.exchange("\u{1}\u{2}\u{3}\r\n\r\n").hasPrefix("HTTP/1.1 400 "))
    }
}
