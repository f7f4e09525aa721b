import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// `djinit async` with the example app's tasks: Celery on real Redis, django-q2 on its ORM broker
/// in real PostgreSQL.
@Suite(.serialized, .needsServices)
struct AsyncTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    /// A fresh database with the example app migrated (Celery and django-q2 both on), and a Redis
    /// database emptied for it.
    private func prepare(_ name: String, redisDatabase: Int) throws -> (database: String, broker: String) {
        let url = try TestServices.createDatabase(name)
        try TestServices.run(TestServices.python, ["manage.py", "migrate", "--no-input", "-v", "0"],
                             environment: ProcessInfo.processInfo.environment.merging(["DATABASE_URL": url]) { $1 },
                             in: URL(fileURLWithPath: TestServices.exampleApp))
        let port = try TestServices.variable("DJTEST_REDIS_PORT")
        try TestServices.run("/usr/bin/redis-cli", ["-p", port, "-n", String(redisDatabase), "FLUSHDB"])
        return (url, "redis://127.0.0.1:\(port)/\(redisDatabase)")
    }

    /// The example app's environment for one test.
    private func appEnvironment(_ database: String, _ broker: String) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(["DATABASE_URL": database, "CELERY_BROKER_URL": broker]) { $1 }
    }

    /// `python manage.py ARGS` in the example app; its standard output.
    @discardableResult
    private func manage(_ arguments: [String], _ database: String, _ broker: String) throws -> String {
        try TestServices.run(TestServices.python, ["manage.py"] + arguments, environment: appEnvironment(database, broker),
                             in: URL(fileURLWithPath: TestServices.exampleApp))
    }

    /// Starts `djinit async` in `workingDirectory` (the example app by default).
    private func startAsync(_ environment: [String: String], log: String, probePort: UInt16? = nil,
                            workingDirectory: String = TestServices.exampleApp) throws -> DjinitProcess {
        let logDirectory = directory.appendingPathComponent(log)
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        let settings = ["DJINIT_PYTHON": TestServices.python, "DJINIT_PROBE_PORT": String(try probePort ?? FreePort.next()),
                        "DJINIT_LOG_LEVEL": "info", "DJINIT_READY_CHECK_INTERVAL": "200ms"]
            .merging(environment) { _, new in new }
        return try DjinitProcess(["async"], environment: settings, directory: logDirectory,
                                 workingDirectory: workingDirectory)
    }

    /// The example's TaskRun rows of one kind: (total, running now or lost, finished, run more than once).
    private func runs(_ database: String, kind: String) throws -> (total: Int, running: Int, finished: Int, duplicates: Int) {
        let row = try TestServices.query(database, "SELECT count(*), count(*) FILTER (WHERE attempts >= 1 AND finished_at IS NULL), "
            + "count(*) FILTER (WHERE finished_at IS NOT NULL), count(*) FILTER (WHERE attempts > 1) "
            + "FROM shop_taskrun WHERE kind = '\(kind)'")[0].split(separator: "|").map { Int($0)! }
        return (row[0], row[1], row[2], row[3])
    }

    /// `task_report --kind KIND` as JSON.
    private func report(_ database: String, _ broker: String, kind: String) throws -> [String: Any] {
        let output = try manage(["task_report", "--kind", kind], database, broker)
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    /// 50 tasks (10 of 2 s first, then 40 short ones); SIGTERM while a 2 s task runs; every task
    /// that started finishes, djinit exits 0; a second worker then runs the rest: 50 finished,
    /// none twice.
    private func warmShutdownLosesNothing(kind: String, enqueue: String, database: String, broker: String,
                                          settings: [String: String]) throws {
        try manage([enqueue, "10", "--seconds", "2"], database, broker)
        try manage([enqueue, "40", "--seconds", "0.1"], database, broker)
        let first = try startAsync(settings, log: "\(kind)-first")
        try waitUntil("a 2 s task runs; log:\n\(first.log)", timeout: .seconds(60)) {
            ((try? runs(database, kind: kind))?.running ?? 0) >= 1
        }
        first.send(SIGTERM)
        #expect(try first.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(first.log)")
        let afterStop = try runs(database, kind: kind)
        #expect(afterStop.running == 0, "a task that was running when SIGTERM came did not finish; log:\n\(first.log)")
        #expect(afterStop.finished >= 1)
        #expect(afterStop.duplicates == 0)

        let second = try startAsync(settings, log: "\(kind)-second")
        try waitUntil("the second worker runs the rest; log:\n\(second.log)", timeout: .seconds(120)) {
            (try? runs(database, kind: kind))?.finished == 50
        }
        second.send(SIGTERM)
        #expect(try second.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(second.log)")
        let final = try report(database, broker, kind: kind)
        #expect(final["total"] as? Int == 50)
        #expect(final["finished"] as? Int == 50)
        #expect(final["duplicates"] as? Int == 0, "\(final)")
        #expect(final["executions"] as? Int == 50, "\(final)")
    }

    @Test("Celery: SIGTERM mid-task is a warm shutdown: the task finishes, none is lost or run twice, exit 0")
    func celeryWarmShutdown() throws {
        let (database, broker) = try prepare("async_celery_warm", redisDatabase: 11)
        try warmShutdownLosesNothing(kind: "celery", enqueue: "enqueue_celery", database: database, broker: broker,
                                     settings: ["DJINIT_ASYNC": "celery", "DJINIT_WORKER_CONCURRENCY": "2",
                                                "DATABASE_URL": database, "CELERY_BROKER_URL": broker])
    }

    @Test("django-q2: SIGTERM mid-task stops qcluster gracefully: the task finishes, none is lost or run twice, exit 0")
    func djangoQGracefulStop() throws {
        let (database, broker) = try prepare("async_q_graceful", redisDatabase: 12)
        try warmShutdownLosesNothing(kind: "django-q", enqueue: "enqueue_q", database: database, broker: broker,
                                     settings: ["DJINIT_ASYNC": "django-q", "EXAMPLE_Q_WORKERS": "2",
                                                "DATABASE_URL": database, "CELERY_BROKER_URL": broker])
    }

    @Test("two replicas with beat on run one beat; the other takes over when the holder dies or loses its lock")
    func singleBeat() throws {
        let (database, broker) = try prepare("async_beat", redisDatabase: 13)
        let schedules = directory.appendingPathComponent("schedules").path
        func replica(_ name: String) throws -> DjinitProcess {
            try FileManager.default.createDirectory(atPath: schedules + "/" + name, withIntermediateDirectories: true)
            return try startAsync(["DJINIT_ASYNC": "celery", "DJINIT_BEAT": "true", "DJINIT_WORKER_CONCURRENCY": "1",
                                   "DJINIT_BEAT_ARGS": "--schedule \(schedules)/\(name)/celerybeat-schedule",
                                   "DATABASE_URL": database, "CELERY_BROKER_URL": broker], log: name)
        }
        let beats = { processes(commandLineContaining: schedules).filter { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("beat")
        } }
        let replicas = [try replica("a"), try replica("b")]
        defer { for replica in replicas { replica.send(SIGKILL); _ = try? replica.waitForExit() } }
        try waitUntil("one replica holds the beat lock and the other stands by", timeout: .seconds(60)) {
            replicas.contains { $0.log.contains("celery beat started") }
                && replicas.contains { $0.log.contains("another replica holds the beat lock") }
        }
        try waitUntil("beat runs", timeout: .seconds(30)) { beats().count == 1 }
        // Several polls of the standby later, still one.
        usleep(3_000_000)
        #expect(beats().count == 1)
        let holder = try #require(replicas.first { $0.log.contains("celery beat started") })
        let standby = try #require(replicas.first { $0 !== holder })
        #expect(!standby.log.contains("celery beat started"))

        // The holder's pod dies: PID 1 killed, its whole namespace with it.
        holder.send(SIGKILL)
        _ = try holder.waitForExit()
        try waitUntil("the standby takes over; log:\n\(standby.log)", timeout: .seconds(30)) {
            standby.log.contains("celery beat started")
        }
        try waitUntil("exactly one beat runs again", timeout: .seconds(30)) { beats().count == 1 }

        // Its lock connection is cut: beat is killed at once, then started again once the lock is back.
        let admin = try TestServices.variable("DJTEST_PG_ADMIN_URL")
        #expect(try TestServices.query(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            + "WHERE application_name LIKE 'djinit beat%' AND datname = 'async_beat'") == ["1"])
        try waitUntil("beat is stopped on the loss, and started again; log:\n\(standby.log)", timeout: .seconds(30)) {
            standby.log.contains("the beat lock's connection broke: killing celery beat at once")
                && standby.log.components(separatedBy: "celery beat started").count == 3
        }
        standby.send(SIGTERM)
        #expect(try standby.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(standby.log)")
        #expect(standby.log.contains("released the beat lock"))
        // pg_locks lists the whole server's locks; other suites hold theirs meanwhile.
        #expect(try TestServices.query(database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == ["0"])
    }

    @Test("djinit beat: two replicas run one scheduler under the lock, with no worker; the other takes over; SIGTERM releases it")
    func beatCommand() throws {
        let (database, broker) = try prepare("beat_command", redisDatabase: 10)
        let schedules = directory.appendingPathComponent("beat-schedules").path
        func replica(_ name: String) throws -> (djinit: DjinitProcess, probePort: UInt16) {
            try FileManager.default.createDirectory(atPath: schedules + "/" + name, withIntermediateDirectories: true)
            let logDirectory = directory.appendingPathComponent("beat-" + name)
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
            let probePort = try FreePort.next()
            let settings = ["DJINIT_PYTHON": TestServices.python, "DJINIT_PROBE_PORT": String(probePort), "DJINIT_LOG_LEVEL": "info",
                            "DATABASE_URL": database, "CELERY_BROKER_URL": broker]
            // The command line app.yaml's beat.command gives, run under the lock.
            let djinit = try DjinitProcess(["beat", "--", TestServices.python, "-m", "celery", "-A", "example", "beat",
                                            "--schedule", "\(schedules)/\(name)/celerybeat-schedule"],
                                           environment: settings, directory: logDirectory, workingDirectory: TestServices.exampleApp)
            return (djinit, probePort)
        }
        // The schedulers: python processes with the schedule path (djinit's own command line has it too).
        let beats = { processes(commandLineContaining: schedules).filter { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").hasPrefix(TestServices.python)
        } }
        let replicas = [try replica("a"), try replica("b")]
        defer { for replica in replicas { replica.djinit.send(SIGKILL); _ = try? replica.djinit.waitForExit() } }
        try waitUntil("one replica leads and the other stands by", timeout: .seconds(60)) {
            replicas.contains { $0.djinit.log.contains("celery beat started") }
                && replicas.contains { $0.djinit.log.contains("another replica holds the beat lock") }
        }
        try waitUntil("one scheduler runs", timeout: .seconds(30)) { beats().count == 1 }
        usleep(3_000_000)
        #expect(beats().count == 1)
        #expect(!beats().contains { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("worker")
        })
        for replica in replicas {
            #expect(HTTPClient.status(port: replica.probePort, "/readyz") == 200, "leader and standby are both ready")
            #expect(HTTPClient.status(port: replica.probePort, "/livez") == 200)
        }
        let holder = try #require(replicas.first { $0.djinit.log.contains("celery beat started") })
        let standby = try #require(replicas.first { $0.djinit !== holder.djinit })
        let held = try RunMetricsTests.metrics(port: holder.probePort)
        #expect(held["djinit_beat_lock_held"] == 1 && held["djinit_beat_running"] == 1)

        holder.djinit.send(SIGKILL)
        _ = try holder.djinit.waitForExit()
        try waitUntil("the standby takes over; log:\n\(standby.djinit.log)", timeout: .seconds(30)) {
            standby.djinit.log.contains("celery beat started")
        }
        try waitUntil("one scheduler runs again", timeout: .seconds(30)) { beats().count == 1 }
        standby.djinit.send(SIGTERM)
        #expect(try standby.djinit.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(standby.djinit.log)")
        #expect(standby.djinit.log.contains("released the beat lock"))
        #expect(beats().isEmpty)
    }

    @Test("the queue-length gauge follows the tasks enqueued and consumed: Celery on Redis, django-q2 on PostgreSQL",
          arguments: ["celery", "django-q"])
    func queueLength(worker: String) throws {
        let celery = worker == "celery"
        let (database, broker) = try prepare("async_queue_\(celery ? "celery" : "q")", redisDatabase: 15)
        // Queued before the worker starts: 40 tasks of a quarter second, for one worker process.
        try manage([celery ? "enqueue_celery" : "enqueue_q", "40", "--seconds", "0.25"], database, broker)
        let probePort = try FreePort.next()
        let djinit = try startAsync(["DJINIT_ASYNC": worker, "DJINIT_WORKER_CONCURRENCY": "1", "EXAMPLE_Q_WORKERS": "1",
                                     "DATABASE_URL": database, "CELERY_BROKER_URL": broker], log: "queue-\(worker)",
                                    probePort: probePort)
        defer { djinit.send(SIGKILL); _ = try? djinit.waitForExit() }
        func queued() -> Double? {
            let samples = (try? RunMetricsTests.metrics(port: probePort)) ?? [:]
            let lengths = samples.filter { $0.key.hasPrefix("djinit_queue_length{") }
            return lengths.isEmpty ? nil : lengths.values.reduce(0, +)
        }
        var highest = 0.0
        try waitUntil("the gauge shows tasks waiting; log:\n\(djinit.log)", timeout: .seconds(60)) {
            highest = max(highest, queued() ?? 0)
            return highest >= 10
        }
        if celery { #expect(try RunMetricsTests.metrics(port: probePort).keys.contains("djinit_queue_length{queue=\"celery\"}")) }
        try waitUntil("the gauge falls to 0 as the worker consumes them; log:\n\(djinit.log)", timeout: .seconds(90)) {
            queued() == 0
        }
        try waitUntil("every task ran", timeout: .seconds(30)) { (try? runs(database, kind: worker))?.finished == 40 }
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(djinit.log)")
    }

    @Test("a worker whose main loop is frozen with SIGSTOP fails /livez within DJINIT_WORKER_HANG_TIMEOUT", arguments: ["celery", "django-q"])
    func frozenWorkerFailsLiveness(worker: String) throws {
        let (database, broker) = try prepare("async_frozen_\(worker == "celery" ? "celery" : "q")", redisDatabase: 14)
        let probePort = try FreePort.next()
        let djinit = try startAsync(["DJINIT_ASYNC": worker, "DJINIT_WORKER_HANG_TIMEOUT": "3s", "DJINIT_WORKER_CONCURRENCY": "1",
                                     "DATABASE_URL": database, "CELERY_BROKER_URL": broker], log: "frozen-\(worker)",
                                    probePort: probePort)
        defer { djinit.send(SIGKILL); _ = try? djinit.waitForExit() }
        try waitUntil("ready; log:\n\(djinit.log)", timeout: .seconds(60)) {
            HTTPClient.status(port: probePort, "/readyz") == 200
        }
        // An idle worker stays live across more than the window.
        for _ in 0..<5 {
            #expect(HTTPClient.status(port: probePort, "/livez") == 200)
            usleep(1_000_000)
        }
        let main = try #require(WorkerProcesses.child(of: djinit.pid))
        // Celery's loop is its main process; django-q2's is the sentinel, qcluster's child.
        let frozen = worker == "celery" ? main : try #require(WorkerProcesses.child(of: main))
        kill(frozen, SIGSTOP)
        let stopped = ContinuousClock.now
        try waitUntil("/livez fails", timeout: .seconds(20)) { HTTPClient.status(port: probePort, "/livez") == 503 }
        #expect(ContinuousClock.now - stopped >= .seconds(3), "failed before the window")
        let answer = try HTTPClient.get(port: probePort, "/livez")
        #expect(answer.body.contains("state T: stopped"), "\(answer.body)")
        kill(frozen, SIGCONT)
        try waitUntil("/livez recovers", timeout: .seconds(10)) { HTTPClient.status(port: probePort, "/livez") == 200 }
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(djinit.log)")
    }
}

/// Looking at the process tree below djinit from the tests.
enum WorkerProcesses {
    /// The oldest child of `pid`.
    static func child(of pid: pid_t) -> pid_t? {
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.min()
    }
}
