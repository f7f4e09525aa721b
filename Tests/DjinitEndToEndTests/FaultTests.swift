import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// The fault suite: real services fail under djinit as they do in a cluster, each on servers of the
/// test's own. Each test reports its figures (time to recover, tasks lost, locks stranded) through
/// `FaultReport`; the partition of a lock's holder is in `PartitionTests`.
@Suite(.serialized, .needsServices)
struct FaultTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    private func start(_ arguments: [String], _ environment: [String: String], log: String) throws -> DjinitProcess {
        let logDirectory = directory.appendingPathComponent(log)
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        let settings = ["DJINIT_PYTHON": TestServices.python, "DJINIT_COLLECTSTATIC": "false", "DJINIT_LOG_LEVEL": "info"]
            .merging(environment) { _, new in new }
        return try DjinitProcess(arguments, environment: settings, directory: logDirectory,
                                 workingDirectory: TestServices.exampleApp)
    }

    /// The example app migrated on `url`.
    private func migrate(_ url: String) throws {
        try TestServices.run(TestServices.python, ["manage.py", "migrate", "--no-input", "-v", "0"],
                             environment: ProcessInfo.processInfo.environment.merging(["DATABASE_URL": url]) { $1 },
                             in: URL(fileURLWithPath: TestServices.exampleApp))
    }

    private func advisoryLocks(_ url: String) throws -> String {
        try TestServices.query(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").first ?? "?"
    }

    @Test("PgBouncer restarted while init migrates through it: init exits 6, and the next init migrates")
    func pgbouncerRestartedDuringInit() throws {
        let server = PrivatePostgres(port: try FreePort.next(), pgbouncerPort: try FreePort.next())
        defer { server.remove() }
        let direct = try server.start(database: "bouncer_restart")
        try server.startPgBouncer()
        let pooled = direct.replacingOccurrences(of: ":\(server.port)/", with: ":\(server.pgbouncerPort!)/")

        let first = try start(["init"], ["DATABASE_URL": pooled, "EXAMPLE_SLOW_MIGRATION_SECONDS": "30"], log: "first")
        try waitUntil("init migrates under the lock", timeout: .seconds(90)) { first.log.contains("shop.0002: sleeping") }
        let restarted = ContinuousClock.now
        try server.stopPgBouncer()
        try server.startPgBouncer()
        #expect(try first.waitForExit(timeout: .seconds(60)) == 6, "log:\n\(first.log)")
        #expect(first.log.contains("the migration lock's connection broke"))

        // The init container runs again, as Kubernetes restarts it.
        let second = try start(["init"], ["DATABASE_URL": pooled], log: "second")
        #expect(try second.waitForExit(timeout: .seconds(120)) == 0, "log:\n\(second.log)")
        let recovered = ContinuousClock.now - restarted
        #expect(try TestServices.query(direct, "SELECT count(*) FROM django_migrations WHERE app = 'shop'") == ["4"])
        let stranded = try advisoryLocks(direct)
        #expect(stranded == "0")
        FaultReport.record("PgBouncer restarted while init migrates through it",
                           ["recovered_in": FaultReport.seconds(recovered), "locks_stranded": stranded,
                            "first_init_exit": "6 (lock lost)", "next_init_exit": "0"])
    }

    @Test("PostgreSQL restarted while beat holds its lock: never two beats, and one beat again after")
    func postgresRestartedUnderBeat() throws {
        let server = PrivatePostgres(port: try FreePort.next())
        defer { server.remove() }
        let url = try server.start(database: "beat_restart")
        try migrate(url)
        let redis = PrivateRedis(port: try FreePort.next())
        defer { redis.remove() }
        try redis.start()
        let schedules = directory.appendingPathComponent("schedules").path
        func replica(_ name: String) throws -> DjinitProcess {
            try FileManager.default.createDirectory(atPath: schedules + "/" + name, withIntermediateDirectories: true)
            return try start(["async"], [
                "DJINIT_ASYNC": "celery", "DJINIT_BEAT": "true", "DJINIT_WORKER_CONCURRENCY": "1",
                "DJINIT_PROBE_PORT": String(try FreePort.next()), "DJINIT_BEAT_ARGS": "--schedule \(schedules)/\(name)/schedule",
                "DATABASE_URL": url, "CELERY_BROKER_URL": redis.url,
            ], log: name)
        }
        let beats: @Sendable () -> Int = {
            processes(commandLineContaining: schedules).filter { pid in
                ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("beat")
            }.count
        }
        let replicas = [try replica("a"), try replica("b")]
        defer { for replica in replicas { replica.send(SIGKILL); _ = try? replica.waitForExit() } }
        try waitUntil("one beat runs", timeout: .seconds(60)) { beats() == 1 }

        // Count beats every 20 ms from before the restart until one runs again.
        let most = Locked(0)
        let sampling = Locked(true)
        let sampler = Thread {
            while sampling.withLock({ $0 }) {
                let count = beats()
                most.withLock { $0 = max($0, count) }
                usleep(20_000)
            }
        }
        sampler.start()
        let restarted = ContinuousClock.now
        try server.stop()
        try waitUntil("beat is stopped when its lock's connection breaks", timeout: .seconds(30)) { beats() == 0 }
        try server.resume()
        try waitUntil("one replica holds the lock and runs beat again", timeout: .seconds(120)) { beats() == 1 }
        let recovered = ContinuousClock.now - restarted
        usleep(3_000_000)
        sampling.withLock { $0 = false }
        #expect(beats() == 1)
        #expect(most.withLock { $0 } == 1, "two beats ran at once")
        FaultReport.record("PostgreSQL restarted while beat holds its lock",
                           ["beat_running_again_in": FaultReport.seconds(recovered),
                            "most_beats_at_once": String(most.withLock { $0 }),
                            "beat_locks_held_after": try advisoryLocks(url)])
    }

    @Test("Redis down under async: readiness 503, liveness 200, and no task lost")
    func redisDownUnderAsync() throws {
        let url = try TestServices.createDatabase("redis_outage")
        try migrate(url)
        let redis = PrivateRedis(port: try FreePort.next())
        defer { redis.remove() }
        try redis.start()
        let environment = ProcessInfo.processInfo.environment.merging(["DATABASE_URL": url, "CELERY_BROKER_URL": redis.url]) { $1 }
        try TestServices.run(TestServices.python, ["manage.py", "enqueue_celery", "40", "--seconds", "0.3"],
                             environment: environment, in: URL(fileURLWithPath: TestServices.exampleApp))
        let probePort = try FreePort.next()
        let worker = try start(["async"], ["DJINIT_ASYNC": "celery", "DJINIT_WORKER_CONCURRENCY": "2",
                                           "DJINIT_PROBE_PORT": String(probePort), "DJINIT_READY_CHECK_INTERVAL": "200ms",
                                           "DATABASE_URL": url, "CELERY_BROKER_URL": redis.url], log: "worker")
        defer { worker.send(SIGKILL); _ = try? worker.waitForExit() }
        func finished() -> Int {
            Int((try? TestServices.query(url, "SELECT count(*) FROM shop_taskrun WHERE finished_at IS NOT NULL"))?.first ?? "") ?? -1
        }
        try waitUntil("the worker runs tasks", timeout: .seconds(60)) { finished() >= 4 }

        try redis.stop()
        let down = ContinuousClock.now
        try waitUntil("/readyz fails while Redis is down", timeout: .seconds(10)) {
            HTTPClient.status(port: probePort, "/readyz") == 503
        }
        // Down for a while: liveness never fails, readiness never passes.
        for _ in 0..<20 {
            #expect(HTTPClient.status(port: probePort, "/livez") == 200)
            #expect(HTTPClient.status(port: probePort, "/readyz") == 503)
            usleep(150_000)
        }
        try redis.start()
        try waitUntil("/readyz passes again", timeout: .seconds(30)) { HTTPClient.status(port: probePort, "/readyz") == 200 }
        let recovered = ContinuousClock.now - down
        try waitUntil("every task finishes", timeout: .seconds(120)) { finished() == 40 }
        let duplicates = try TestServices.query(url, "SELECT count(*) FROM shop_taskrun WHERE attempts > 1").first ?? "?"
        let lost = 40 - finished()
        #expect(lost == 0 && duplicates == "0")
        FaultReport.record("Redis down for 3 s under async",
                           ["ready_again_in": FaultReport.seconds(recovered), "tasks_lost": String(lost),
                            "tasks_run_twice": duplicates, "liveness_failures": "0"])
    }
}
