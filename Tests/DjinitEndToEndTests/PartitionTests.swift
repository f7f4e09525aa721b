import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// A lock holder lost to a network partition, as a failing cluster loses a node: the holder runs
/// in a network namespace of the test's own, the link is cut and its processes are killed, so
/// nothing ever closes its connections. PostgreSQL (or PgBouncer) must find the connection dead
/// itself, within about half a minute (`DeadPeerDetection`), and release the lock, so that another
/// replica migrates; with the kernel's defaults that takes about two hours.
@Suite(.serialized, .needsServices, .enabled(if: NetworkNamespace.available, "needs root and ip netns"))
struct PartitionTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    private func environment(_ url: String, _ extra: [String: String] = [:]) -> [String: String] {
        ["DATABASE_URL": url, "DJINIT_PYTHON": TestServices.python, "DJINIT_COLLECTSTATIC": "false",
         "DJINIT_WAIT_TIMEOUT": "60s"].merging(extra) { _, new in new }
    }

    @Test("the migration lock of a holder lost to a partition is released, and another replica migrates",
          arguments: [false, true])
    func holderPartitioned(throughPgBouncer: Bool) throws {
        let network = try NetworkNamespace.create()
        defer { network.remove() }
        let server = PrivatePostgres(port: try FreePort.next(), listen: network.hostAddress,
                                     pgbouncerPort: throughPgBouncer ? try FreePort.next() : nil)
        defer { server.remove() }
        let direct = try server.start(database: "partition")
        if throughPgBouncer { try server.startPgBouncer() }
        let port = server.pgbouncerPort ?? server.port
        let fromHost = direct.replacingOccurrences(of: "127.0.0.1:\(server.port)", with: "127.0.0.1:\(port)")
        let fromNamespace = direct.replacingOccurrences(of: "127.0.0.1:\(server.port)", with: "\(network.hostAddress):\(port)")

        let holderLog = directory.appendingPathComponent("holder")
        try FileManager.default.createDirectory(at: holderLog, withIntermediateDirectories: true)
        let holder = try DjinitProcess(["init"], environment: environment(fromNamespace, ["EXAMPLE_SLOW_MIGRATION_SECONDS": "600"]),
                                       directory: holderLog, workingDirectory: TestServices.exampleApp, wrapper: network.exec)
        try waitUntil("the holder migrates under the lock", timeout: .seconds(90)) { holder.log.contains("shop.0002: sleeping") }

        let cut = ContinuousClock.now
        try network.partition()
        holder.send(SIGKILL)
        _ = try holder.waitForExit()

        let waiterLog = directory.appendingPathComponent("waiter")
        try FileManager.default.createDirectory(at: waiterLog, withIntermediateDirectories: true)
        let waiter = try DjinitProcess(["init"], environment: environment(fromHost), directory: waiterLog,
                                       workingDirectory: TestServices.exampleApp)
        // A generous multiple of the half minute configured; the kernel's default is two hours.
        #expect(try waiter.waitForExit(timeout: .seconds(180)) == 0, "log:\n\(waiter.log)")
        let recovered = ContinuousClock.now - cut
        #expect(waiter.log.contains("Applying shop.0002_seed_slowly... OK"))
        #expect(try TestServices.query(direct, "SELECT count(*) FROM django_migrations WHERE app = 'shop'") == ["4"])
        let stranded = try TestServices.query(direct, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        #expect(stranded == ["0"])
        FaultReport.record("partition of the migration lock's holder (\(throughPgBouncer ? "through PgBouncer" : "direct"))",
                           ["recovered_in": FaultReport.seconds(recovered), "locks_stranded": stranded.first ?? "?",
                            "migrated_by_other_replica": waiter.log.contains("Applying shop.0002") ? "yes" : "no"])
    }
}
