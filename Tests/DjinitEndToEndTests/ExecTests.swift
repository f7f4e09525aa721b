import DjinitSettings
import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// `djinit exec` against real processes, as PID 1 of its own PID namespace when run as root.
@Suite(.serialized)
struct ExecTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @Test("a signal sent while djinit starts up is not lost", arguments: [SIGTERM, SIGUSR1])
    func earlySignalReachesChild(signal: Int32) throws {
        let record = path("record")
        let djinit = try DjinitProcess(["exec", "--", "python3", TestPaths.fixture("recorder.py"), record],
                                       directory: directory)
        try djinit.waitUntilSignalsBlocked()
        djinit.send(signal)
        // The child may not have installed its handler yet: then it dies of the signal, which
        // proves the signal reached it just as well as a record does. A lost signal does neither.
        let name = signal == SIGTERM ? "SIGTERM" : "SIGUSR1"
        try waitUntil("the child receives \(name)") { lines(of: record).contains(name) || !djinit.process.isRunning }
        if djinit.process.isRunning { djinit.send(SIGTERM) }
        let code = try djinit.waitForExit()
        #expect(lines(of: record).contains(name) || code == 128 + signal, "exit \(code); log:\n\(djinit.log)")
    }

    @Test("every forwarded signal reaches the main child")
    func forwardsEverySignal() throws {
        let record = path("record")
        let djinit = try DjinitProcess(["exec", "--", "python3", TestPaths.fixture("recorder.py"), record],
                                       directory: directory)
        try waitForFile(record + ".ready")
        let signals: [(Int32, String)] = [
            (SIGHUP, "SIGHUP"), (SIGQUIT, "SIGQUIT"), (SIGUSR1, "SIGUSR1"), (SIGUSR2, "SIGUSR2"),
            (SIGWINCH, "SIGWINCH"), (SIGTSTP, "SIGTSTP"), (SIGTTIN, "SIGTTIN"), (SIGTTOU, "SIGTTOU"),
            (SIGALRM, "SIGALRM"),
        ]
        for (signal, name) in signals {
            djinit.send(signal)
            try waitUntil("\(name) recorded") { lines(of: record).contains(name) }
        }
        djinit.send(SIGINT)
        #expect(try djinit.waitForExit() == 0)
        #expect(lines(of: record) == signals.map(\.1) + ["SIGINT"])
    }

    @Test("with DJINIT_SIGNAL_TARGET=group, a grandchild in the group receives forwarded signals too")
    func forwardsToGroup() throws {
        let record = path("child")
        let grandchild = path("grandchild")
        let djinit = try DjinitProcess(
            ["exec", "--", "python3", TestPaths.fixture("recorder.py"), record, "--grandchild", grandchild],
            environment: ["DJINIT_SIGNAL_TARGET": "group"], directory: directory)
        try waitForFile(record + ".ready")
        try waitForFile(grandchild + ".ready")
        djinit.send(SIGUSR2)
        try waitUntil("both record SIGUSR2") { lines(of: record) == ["SIGUSR2"] && lines(of: grandchild) == ["SIGUSR2"] }
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit() == 0)
    }

    @Test("by default only the main child receives forwarded signals")
    func forwardsToChildOnly() throws {
        let record = path("child")
        let grandchild = path("grandchild")
        let djinit = try DjinitProcess(
            ["exec", "--", "python3", TestPaths.fixture("recorder.py"), record, "--grandchild", grandchild],
            directory: directory)
        try waitForFile(record + ".ready")
        try waitForFile(grandchild + ".ready")
        djinit.send(SIGUSR2)
        try waitUntil("the child records SIGUSR2") { lines(of: record) == ["SIGUSR2"] }
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit() == 0)
        // The grandchild got SIGTERM from the tree drain only, never the forwarded SIGUSR2.
        #expect(lines(of: grandchild) == ["SIGTERM"])
    }

    @Test("1,000 orphaned grandchildren are all reaped")
    func reapsOrphans() throws {
        let report = path("zombies")
        let djinit = try DjinitProcess(["exec", "--", "python3", TestPaths.fixture("orphans.py"), "1000", report],
                                       directory: directory)
        #expect(try djinit.waitForExit(timeout: .seconds(120)) == 0)
        #expect(lines(of: report) == ["0"], "zombies left: \(lines(of: report)); log:\n\(djinit.log)")
    }

    @Test("the tree drain lets a process finish its work and kills one that ignores SIGTERM after the grace")
    func drainsTreeWithGrace() throws {
        let djinit = try DjinitProcess(["exec", "--", TestPaths.fixture("tree.sh"), directory.path],
                                       environment: ["DJINIT_KILL_GRACE": "3s"], directory: directory)
        #expect(try djinit.waitForExit() == 0)
        #expect(FileManager.default.fileExists(atPath: path("finished")), "the finisher was cut short")
        let log = djinit.log
        let drained = try #require(log.range(of: "sending SIGTERM to the processes left behind count=2"))
        let killed = try #require(log.range(of: "kill grace over: sending SIGKILL count=1"))
        let exited = try #require(log.range(of: "exiting code=0"))
        #expect(drained.lowerBound < killed.lowerBound && killed.lowerBound < exited.lowerBound)
    }

    @Test("djinit exits as soon as the last process is gone, not at the end of the grace")
    func drainEndsWithLastProcess() throws {
        let started = ContinuousClock.now
        let djinit = try DjinitProcess(["exec", "--", TestPaths.fixture("tree.sh"), directory.path, "--no-stubborn"],
                                       environment: ["DJINIT_KILL_GRACE": "60s"], directory: directory)
        #expect(try djinit.waitForExit() == 0)
        #expect(FileManager.default.fileExists(atPath: path("finished")))
        #expect(ContinuousClock.now - started < .seconds(60), "djinit waited for the whole grace")
        #expect(!djinit.log.contains("SIGKILL"))
    }

    @Test("djinit exits with the main child's code", arguments: [0, 3, 42])
    func exitCode(code: Int) throws {
        let djinit = try DjinitProcess(["exec", "--", "sh", "-c", "exit \(code)"], directory: directory)
        #expect(try djinit.waitForExit() == Int32(code))
    }

    @Test("SIGTERM to djinit: a child that dies of it makes djinit exit 143")
    func exitCodeAfterSigterm() throws {
        let djinit = try DjinitProcess(["exec", "--", "sleep", "60"], directory: directory)
        try waitUntil("sleep runs") { djinit.log.contains("started sleep") }
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit() == 128 + SIGTERM)
    }

    @Test("a missing command exits 127, one that is not executable 126")
    func execFailures() throws {
        let missing = try DjinitProcess(["exec", "--", "no-such-command-djinit"], directory: directory)
        #expect(try missing.waitForExit() == 127)
        #expect(missing.log.contains("no-such-command-djinit: command not found"))

        let notExecutable = path("not-executable")
        _ = FileManager.default.createFile(atPath: notExecutable, contents: Data("echo hi\n".utf8))
        let denied = try DjinitProcess(["exec", "--", notExecutable], directory: directory)
        #expect(try denied.waitForExit() == 126)
        #expect(denied.log.contains("cannot execute"))
    }

    @Test("a bad value for any setting exits 2 and names the variable",
          arguments: Schema.all.filter { $0.typeSummary != String.typeSummary }.map(\.name))
    func badSetting(name: String) throws {
        let djinit = try DjinitProcess(["exec", "--", "true"], environment: [name: "not a valid value!"],
                                       directory: directory)
        #expect(try djinit.waitForExit() == 2)
        #expect(djinit.log.contains("djinit: \(name): expected "), "log:\n\(djinit.log)")
        #expect(!djinit.log.contains("started"), "a command ran despite the bad setting")
    }

    @Test("a misspelt DJINIT_ variable exits 2 with the likely name")
    func misspeltSetting() throws {
        let djinit = try DjinitProcess(["exec", "--", "true"], environment: ["DJINIT_KILL_GRCE": "5s"],
                                       directory: directory)
        #expect(try djinit.waitForExit() == 2)
        #expect(djinit.log.contains("DJINIT_KILL_GRCE: not a djinit setting; did you mean DJINIT_KILL_GRACE?"))
    }

    @Test("SIGTERM reaches a stopped child too: it exits of SIGTERM within the grace, not of SIGKILL after it")
    func stoppedChildGetsTerm() throws {
        let djinit = try DjinitProcess(["exec", "--", "sleep", "600"], environment: ["DJINIT_KILL_GRACE": "20s"],
                                       directory: directory)
        let child = try waitForChild(of: djinit)
        kill(child, SIGSTOP)
        try waitUntil("the child is stopped") { processState(child) == "T" }
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit() == 128 + SIGTERM, "log:\n\(djinit.log)")
    }

    @Test("fault signals sent with kill are forwarded to the child, and do not kill djinit, as PID 1 or not",
          arguments: [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGPIPE], [true, false])
    func faultSignalsForwarded(signal: Int32, asPID1: Bool) throws {
        let djinit = try DjinitProcess(["exec", "--", "sleep", "600"], directory: try TestPaths.temporaryDirectory(),
                                       asPID1: asPID1 && DjinitProcess.runsAsPID1)
        _ = try waitForChild(of: djinit)
        djinit.send(signal)
        // sleep dies of it (each of these kills by default); djinit passes on its status.
        #expect(try djinit.waitForExit() == 128 + signal, "log:\n\(djinit.log)")
    }

    @Test("djinit moves to / once its child runs, which keeps the directory djinit started in")
    func workingDirectory() throws {
        let start = try TestPaths.temporaryDirectory()
        let djinit = try DjinitProcess(["exec", "--", "sleep", "600"], directory: directory, workingDirectory: start.path)
        let child = try waitForChild(of: djinit)
        try waitUntil("djinit is in /") { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(djinit.pid)/cwd")) == "/" }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child)/cwd") == start.path)
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit() == 128 + SIGTERM)
    }

    /// djinit's one child, once it runs.
    private func waitForChild(of djinit: DjinitProcess) throws -> pid_t {
        var child: pid_t?
        try waitUntil("djinit starts its child") {
            let children = (try? String(contentsOfFile: "/proc/\(djinit.pid)/task/\(djinit.pid)/children", encoding: .utf8)) ?? ""
            child = children.split(separator: " ").first.flatMap { pid_t($0) }
            return child != nil && (try? String(contentsOfFile: "/proc/\(child!)/comm", encoding: .utf8))?.hasPrefix("sleep") == true
        }
        return child!
    }

    /// The scheduler state letter of `pid` (`S`, `T`, ...).
    private func processState(_ pid: pid_t) -> String {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return "?" }
        return String(stat[stat.index(close, offsetBy: 2)])
    }

    @Test("a line break in a command name or a setting's value forges no log line")
    func noForgedLogLines() throws {
        let forged = "missing\n[djinit] main child exited pid=1 status=\"exit code 0\""
        let missing = try DjinitProcess(["exec", "--", forged], directory: try TestPaths.temporaryDirectory())
        #expect(try missing.waitForExit() == 127)
        let badValue = try DjinitProcess(["exec", "--", "true"], environment: ["DJINIT_KILL_GRACE": "1s\n[djinit] forged\u{2028}"],
                                         directory: try TestPaths.temporaryDirectory())
        #expect(try badValue.waitForExit() == 2)
        for log in [missing.log, badValue.log] {
            #expect(!log.split(separator: "\n").contains { $0.hasPrefix("[djinit] main child") || $0.hasPrefix("[djinit] forged") },
                    "\(log)")
        }
        #expect(missing.log.contains(#"missing\n[djinit] main child exited"#))
        #expect(badValue.log.contains(#"got '1s\n[djinit] forged\u2028'"#))
    }

    @Test("djinit config shows every password of a broker list and a database URL as ***, from a real parse")
    func configRedacts() throws {
        let djinit = try DjinitProcess(["config"], environment: [
            "DATABASE_URL": "postgres://app:pa%2Fss?w0rd@db:5432/app?sslmode=require",
            "CELERY_BROKER_URL": "sentinel://:first@a:26379;sentinel://:second@b:26379;sentinel://u:third@c:26379",
        ], directory: directory)
        #expect(try djinit.waitForExit() == 0)
        #expect(djinit.log.contains("DATABASE_URL=postgres://app:***@db:5432/app?sslmode=require"))
        #expect(djinit.log.contains("CELERY_BROKER_URL=sentinel://:***@a:26379;sentinel://:***@b:26379;sentinel://u:***@c:26379"))
        for secret in ["pa%2F", "w0rd", "first", "second", "third"] {
            #expect(!djinit.log.contains(secret), "\(secret) shown:\n\(djinit.log)")
        }
    }

    @Test("JSON log lines carry time, level, event and message")
    func jsonLogs() throws {
        let djinit = try DjinitProcess(["exec", "--", "true"], environment: ["DJINIT_LOG_FORMAT": "json"],
                                       directory: directory)
        #expect(try djinit.waitForExit() == 0)
        let events = try djinit.log.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(events.contains { $0["event"] as? String == "spawned" && $0["level"] as? String == "info" })
        #expect(events.allSatisfy { $0["time"] is String && $0["message"] is String })
    }
}
