import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// The real services `scripts/services` starts for the tests, and the example Django app.
enum TestServices {
    static let repository = Repository.root

    /// `docker/example`, the Django project every integration test runs.
    static var exampleApp: String { repository.appendingPathComponent("docker/example").path }

    /// The project virtualenv's interpreter, which has Django, gunicorn, Celery and django-q2.
    static var python: String { repository.appendingPathComponent(".venv/bin/python").path }

    /// A `DJTEST_*` variable that `scripts/services start` exports.
    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestFailure("\(name) is not set: run the tests through scripts/test, which starts the services")
        }
        return value
    }

    /// A new, empty database owned by the test role; returns its direct URL.
    static func createDatabase(_ name: String) throws -> String {
        try run(repository.appendingPathComponent("scripts/services").path, ["createdb", name])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The same database through PgBouncer (transaction pooling).
    static func throughPgBouncer(_ url: String) throws -> String {
        url.replacingOccurrences(of: ":\(try variable("DJTEST_PG_PORT"))/", with: ":\(try variable("DJTEST_PGBOUNCER_PORT"))/")
    }

    /// `scripts/services` with `settings` added to the environment, for a server of one test's own.
    /// Through Python's subprocess, which closes every inherited descriptor: Foundation's Process
    /// learns that its child ended when a socket it hands the child is closed, and a server left
    /// running (the postmaster pg_ctl starts, a daemonized Redis) would hold a copy open for ever.
    @discardableResult
    static func services(_ arguments: [String], _ settings: [String: String]) throws -> String {
        try run("/usr/bin/python3",
                ["-c", "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))",
                 repository.appendingPathComponent("scripts/services").path] + arguments,
                environment: ProcessInfo.processInfo.environment.merging(settings) { $1 })
    }

    /// Runs one SQL statement with psql and returns its unaligned output lines.
    static func query(_ url: String, _ sql: String) throws -> [String] {
        try run("/usr/bin/psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
            .split(separator: "\n").map(String.init)
    }

    /// Runs a program to completion and returns its standard output; throws on a non-zero exit.
    @discardableResult
    static func run(
        _ program: String, _ arguments: [String], environment: [String: String]? = nil, in directory: URL? = nil
    ) throws -> String {
        let result = try runProgram(program, arguments, in: directory, environment: environment)
        guard result.status == 0 else {
            throw TestFailure("\(program) \(arguments.joined(separator: " ")) exited \(result.status): \(result.error.suffix(500))")
        }
        return result.output
    }
}

/// A PostgreSQL of one test's own, run by `scripts/services` in a state directory and on a port
/// of its own, for a test that stops it.
struct PrivatePostgres {
    let port: UInt16
    let state: String
    /// Addresses it listens on beside 127.0.0.1 (a test's own veth address).
    let listen: String?
    /// The port of its PgBouncer, if the test starts one (`startPgBouncer()`).
    let pgbouncerPort: UInt16?

    init(port: UInt16, listen: String? = nil, pgbouncerPort: UInt16? = nil) {
        self.port = port
        self.listen = listen
        self.pgbouncerPort = pgbouncerPort
        state = "/tmp/djinit-run-pg-\(port)-\(getpid())"
    }

    /// Starts a PgBouncer in transaction pooling in front of the server, with the same TCP
    /// keepalives as djinit-kube's.
    func startPgBouncer() throws {
        try services("pgb-start")
    }

    func stopPgBouncer() throws {
        try services("pgb-stop")
    }

    /// Starts the server and returns the URL of a new database on it.
    @discardableResult
    func start(database: String = "djinit_private") throws -> String {
        try services("pg-start")
        return try services("createdb", database).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts a server `prepare(database:)` made, creating nothing: a client already connected
    /// or waiting keeps its connection.
    func resume() throws {
        try services("pg-start")
    }

    /// Creates the server, its role and `database`, and stops it again: a later `resume()` then
    /// accepts the login from its first moment. (A first start creates the role while already
    /// listening, and a login in between is rightly refused for good.)
    func prepare(database: String = "djinit_private") throws {
        try start(database: database)
        try stop()
    }

    /// The URL `start(database:)` returns, known before the server runs.
    func url(database: String = "djinit_private") throws -> String {
        let user = try TestServices.variable("DJTEST_PG_USER")
        let password = try TestServices.variable("DJTEST_PG_PASSWORD")
        return "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)"
    }

    func stop() throws {
        try services("pg-stop")
    }

    /// Stops the server (and its PgBouncer) if they run, and deletes their files.
    func remove() {
        if pgbouncerPort != nil { _ = try? services("pgb-stop") }
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: state)
    }

    /// `scripts/services` with this server's state and ports.
    @discardableResult
    private func services(_ arguments: String...) throws -> String {
        var settings = ["DJTEST_STATE": state, "DJTEST_PG_PORT": String(port)]
        if let listen { settings["DJTEST_LISTEN"] = listen }
        if let pgbouncerPort { settings["DJTEST_PGBOUNCER_PORT"] = String(pgbouncerPort) }
        return try TestServices.services(arguments, settings)
    }
}

/// A Redis of one test's own, for a test that stops it: durable (an append-only file fsync'd on
/// every write), so that a restart keeps the queues as a production Redis would.
struct PrivateRedis {
    let port: UInt16
    let state: String

    init(port: UInt16) {
        self.port = port
        state = "/tmp/djinit-run-redis-\(port)-\(getpid())"
    }

    var url: String { "redis://127.0.0.1:\(port)/0" }

    func start() throws {
        try services("redis-start")
    }

    func stop() throws {
        try services("redis-stop")
    }

    /// Stops it if it runs, and deletes its files.
    func remove() {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: state)
    }

    @discardableResult
    private func services(_ arguments: String...) throws -> String {
        try TestServices.services(arguments, ["DJTEST_STATE": state, "DJTEST_REDIS_PORT": String(port), "DJTEST_REDIS_DURABLE": "1"])
    }
}
