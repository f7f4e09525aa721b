import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// `djinit init` against real PostgreSQL 15 and PgBouncer (transaction pooling) and the example
/// Django app.
@Suite(.serialized, .needsServices)
struct InitTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    /// Settings every init here needs: the example app's interpreter, and no collectstatic unless
    /// a test is about it.
    private func environment(_ url: String, _ extra: [String: String] = [:]) -> [String: String] {
        ["DATABASE_URL": url, "DJINIT_PYTHON": TestServices.python, "DJINIT_COLLECTSTATIC": "false",
         "DJANGO_STATIC_ROOT": directory.appendingPathComponent("static").path]
            .merging(extra) { _, new in new }
    }

    private func startInit(_ environment: [String: String], log: String) throws -> DjinitProcess {
        let logDirectory = directory.appendingPathComponent(log)
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        return try DjinitProcess(["init"], environment: environment, directory: logDirectory,
                                 workingDirectory: TestServices.exampleApp)
    }

    /// Advisory locks held in the database `url` names (pg_locks spans the whole server, where
    /// other suites hold locks of their own at the same time).
    private func advisoryLocks(in url: String) throws -> Int {
        let rows = try TestServices.query(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        return Int(rows.first ?? "") ?? -1
    }

    /// Every migration of the example app applied exactly once, and the index built concurrently valid.
    private func expectMigratedOnce(_ url: String) throws {
        #expect(try TestServices.query(url, "SELECT app || '.' || name FROM django_migrations GROUP BY 1 HAVING count(*) > 1").isEmpty)
        #expect(try TestServices.query(url, "SELECT count(*) FROM django_migrations WHERE app = 'shop'") == ["4"])
        #expect(try TestServices.query(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'shop_order_created_idx'::regclass") == ["t"])
    }

    @Test("six replicas at once migrate exactly once, directly and through PgBouncer", arguments: [false, true])
    func sixReplicas(throughPgBouncer: Bool) throws {
        let direct = try TestServices.createDatabase("init_six_\(throughPgBouncer ? "bouncer" : "direct")")
        let url = throughPgBouncer ? try TestServices.throughPgBouncer(direct) : direct
        let replicas = try (1...6).map { index in
            try startInit(environment(url, ["EXAMPLE_SLOW_MIGRATION_SECONDS": "1"]), log: "replica\(index)")
        }
        for replica in replicas {
            #expect(try replica.waitForExit(timeout: .seconds(120)) == 0, "log:\n\(replica.log)")
        }
        #expect(replicas.filter { $0.log.contains("holding the migration lock") }.count == 6)
        #expect(replicas.filter { $0.log.contains("Applying shop.0003_order_created_idx_concurrently... OK") }.count == 1)
        #expect(replicas.contains { $0.log.contains("waiting for the migration lock, held by another replica") })
        try expectMigratedOnce(direct)
    }

    @Test("when the lock holder is SIGKILLed mid-migrate, a waiting replica takes over")
    func holderKilled() throws {
        let url = try TestServices.createDatabase("init_takeover")
        let holder = try startInit(environment(url, ["EXAMPLE_SLOW_MIGRATION_SECONDS": "30"]), log: "holder")
        try waitUntil("the holder sleeps in the slow migration", timeout: .seconds(60)) { holder.log.contains("shop.0002: sleeping") }
        let waiter = try startInit(environment(url), log: "waiter")
        try waitUntil("the second replica waits for the lock") { waiter.log.contains("waiting for the migration lock") }
        holder.send(SIGKILL)
        #expect(try waiter.waitForExit(timeout: .seconds(120)) == 0, "log:\n\(waiter.log)")
        #expect(waiter.log.contains("Applying shop.0002_seed_slowly... OK"))
        try expectMigratedOnce(url)
    }

    @Test("init waits for a PostgreSQL that starts after it, and gives up on one that never does")
    func waitsForPostgres() throws {
        let server = PrivatePostgres(port: try FreePort.next())
        defer { server.remove() }
        try server.prepare()
        let waiting = try startInit(environment(try server.url(), ["DJINIT_MIGRATE": "false", "DJINIT_INIT_COMMANDS": "check"]), log: "late")
        try waitUntil("init reports that PostgreSQL is not ready") { waiting.log.contains("PostgreSQL is not ready yet") }
        try server.resume()
        #expect(try waiting.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(waiting.log)")
        #expect(waiting.log.contains("PostgreSQL accepts logins"))
        #expect(waiting.log.contains("check succeeded"))
        try server.stop()

        let givingUp = try startInit(environment(try server.url(), ["DJINIT_WAIT_TIMEOUT": "1s"]), log: "never")
        #expect(try givingUp.waitForExit() == 3)
        #expect(givingUp.log.contains("PostgreSQL did not become ready within DJINIT_WAIT_TIMEOUT"))
        #expect(givingUp.log.contains("last_reason=\"connection to server at"))
    }

    @Test("a wrong password fails at once, naming role and host but never the password", arguments: [false, true])
    func wrongPassword(throughPgBouncer: Bool) throws {
        let direct = try TestServices.variable("DJTEST_PG_URL")
        let good = throughPgBouncer ? try TestServices.throughPgBouncer(direct) : direct
        let password = try TestServices.variable("DJTEST_PG_PASSWORD")
        let wrong = "not-the-\(password)-Zq9"
        let url = good.replacingOccurrences(of: ":\(password)@", with: ":\(wrong)@")
        let started = ContinuousClock.now
        let djinit = try startInit(environment(url, ["DJINIT_WAIT_TIMEOUT": "60s"]), log: "wrong")
        #expect(try djinit.waitForExit() == 4)
        #expect(ContinuousClock.now - started < .seconds(60), "it waited for the timeout instead of failing fast")
        #expect(djinit.log.contains("PostgreSQL rejected the login"))
        #expect(djinit.log.contains("djinit:***@127.0.0.1:"))
        #expect(!djinit.log.contains(wrong) && !djinit.log.contains(password))
    }

    @Test("a malformed DATABASE_URL is a configuration error that does not echo it")
    func malformedURL() throws {
        let djinit = try startInit(environment("postgress://app:hunter2@db/app"), log: "malformed")
        #expect(try djinit.waitForExit() == 2)
        #expect(djinit.log.contains("DATABASE_URL: expected a PostgreSQL URL"))
        #expect(!djinit.log.contains("hunter2"))
    }

    /// The issue's cases: a password with an unencoded `/` (libpq reads it as host and port), a
    /// stray `%` or an unclosed `[` (libpq refuses the URL, quoting it), no password at all shown.
    @Test("a URL libpq cannot read as written exits 2 at once, naming the variable and showing nothing of it",
          arguments: ["postgres://djinit:hunter2/x@127.0.0.1:1/db", "postgres://djinit:hunter2%@127.0.0.1:1/db",
                      "postgres://djinit:hunter2@[::1:1/db", "postgres://djinit:hunter2@h@127.0.0.1:1/db"])
    func unreadableURL(url: String) throws {
        let started = ContinuousClock.now
        let djinit = try startInit(environment(url, ["DJINIT_WAIT_TIMEOUT": "60s"]), log: "unreadable")
        #expect(try djinit.waitForExit() == 2)
        #expect(ContinuousClock.now - started < .seconds(30), "it retried instead of refusing the setting")
        #expect(djinit.log.contains("DATABASE_URL: expected a PostgreSQL URL"))
        #expect(!djinit.log.contains("hunter2"), "\(djinit.log)")
    }

    @Test("a password with '?' or '#' is never shown while init waits, nor when it gives up")
    func waitingShowsNoPassword() throws {
        let djinit = try startInit(environment("postgres://djinit:hun?ter2#x@127.0.0.1:1/db", ["DJINIT_WAIT_TIMEOUT": "1s"]),
                                   log: "questionmark")
        #expect(try djinit.waitForExit() == 3)
        #expect(djinit.log.contains("target=postgres://djinit:***@127.0.0.1:1/db"), "\(djinit.log)")
        #expect(!djinit.log.contains("hun?") && !djinit.log.contains("ter2"), "\(djinit.log)")
    }

    @Test("connection settings libpq refuses before connecting exit 2, without libpq's message")
    func unusableSettings() throws {
        let djinit = try startInit(environment("postgres://djinit:hunter2@127.0.0.1:1/db",
                                               ["DJINIT_WAIT_TIMEOUT": "60s", "PGSSLMODE": "hunter3"]), log: "sslmode")
        #expect(try djinit.waitForExit() == 2)
        #expect(djinit.log.contains("libpq cannot use the connection settings"))
        #expect(!djinit.log.contains("hunter2") && !djinit.log.contains("hunter3"), "\(djinit.log)")
    }

    @Test("a missing manage.py exits 127 with the path")
    func missingManagePy() throws {
        let djinit = try startInit(environment(try TestServices.variable("DJTEST_PG_URL"), ["DJINIT_MANAGE_PY": "nowhere/manage.py"]), log: "nomanage")
        #expect(try djinit.waitForExit() == 127)
        #expect(djinit.log.contains("cannot read nowhere/manage.py (DJINIT_MANAGE_PY)"))
    }

    @Test("a failing migration exits 5 and releases the lock")
    func failingMigration() throws {
        let url = try TestServices.createDatabase("init_failing")
        let djinit = try startInit(environment(url, ["EXAMPLE_FAIL_MIGRATION": "1"]), log: "failing")
        #expect(try djinit.waitForExit(timeout: .seconds(60)) == 5)
        #expect(djinit.log.contains("migrate failed"))
        #expect(djinit.log.contains("failing on purpose because EXAMPLE_FAIL_MIGRATION=1"))
        #expect(try advisoryLocks(in: url) == 0)
    }

    @Test("SIGTERM mid-migrate stops migrate, releases the lock and exits 143")
    func sigtermMidMigrate() throws {
        let url = try TestServices.createDatabase("init_sigterm")
        let djinit = try startInit(environment(url, ["EXAMPLE_SLOW_MIGRATION_SECONDS": "30"]), log: "sigterm")
        try waitUntil("migrate sleeps", timeout: .seconds(60)) { djinit.log.contains("shop.0002: sleeping") }
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit(timeout: .seconds(15)) == 128 + SIGTERM)
        #expect(try advisoryLocks(in: url) == 0)
        #expect(try TestServices.query(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") == ["0"])
    }

    @Test("when the lock's connection breaks mid-migrate, migrate is stopped and init exits 6")
    func lockConnectionLost() throws {
        let url = try TestServices.createDatabase("init_lost")
        let djinit = try startInit(environment(url, ["EXAMPLE_SLOW_MIGRATION_SECONDS": "30"]), log: "lost")
        try waitUntil("migrate sleeps", timeout: .seconds(60)) { djinit.log.contains("shop.0002: sleeping") }
        let admin = try TestServices.variable("DJTEST_PG_ADMIN_URL")
        #expect(try TestServices.query(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            + "WHERE application_name LIKE 'djinit init%' AND datname = 'init_lost'") == ["1"])
        #expect(try djinit.waitForExit(timeout: .seconds(30)) == 6)
        #expect(djinit.log.contains("the migration lock's connection broke while migrating"))
    }

    @Test("collectstatic runs while init still waits for the database")
    func collectStaticDuringWait() throws {
        let server = PrivatePostgres(port: try FreePort.next())
        defer { server.remove() }
        try server.prepare()
        let djinit = try startInit(environment(try server.url(), ["DJINIT_COLLECTSTATIC": "true", "DJINIT_WAIT_TIMEOUT": "60s"]), log: "static")
        try waitUntil("collectstatic finishes", timeout: .seconds(60)) { djinit.log.contains("collectstatic succeeded") }
        #expect(!djinit.log.contains("PostgreSQL accepts logins"), "collectstatic waited for the database")
        try server.resume()
        #expect(try djinit.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(djinit.log)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("static/staticfiles.json").path))
    }

    @Test("with a shared static root, a second run finds nothing changed and skips collectstatic")
    func sharedStaticRootSkipsUnchanged() throws {
        let url = try TestServices.createDatabase("init_static")
        let root = directory.appendingPathComponent("shared-static").path
        let settings = environment(url, ["DJINIT_COLLECTSTATIC": "true", "DJINIT_SHARED_STATIC_ROOT": root,
                                         "DJANGO_STATIC_ROOT": root, "DJINIT_MIGRATE": "false"])
        let first = try startInit(settings, log: "first")
        #expect(try first.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(first.log)")
        #expect(first.log.contains("collectstatic succeeded"))
        let second = try startInit(settings, log: "second")
        #expect(try second.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(second.log)")
        #expect(second.log.contains("static sources unchanged since the last collectstatic: skipped"))
        #expect(!second.log.contains("running collectstatic"))
    }
}
