import DjinitEventLoop
import DjinitPosix
@testable import DjinitSupervisor
import Testing

import Glibc

@Suite struct ProcessTreeTests {
    @Test func parentPIDSurvivesAwkwardCommandNames() {
        #expect(ProcessTree.parentPID(fromStat: "42 (sleep) S 7 42 1 0 -1") == 7)
        #expect(ProcessTree.parentPID(fromStat: "42 (a) b (c) R 9 42 1 0") == 9)
        #expect(ProcessTree.parentPID(fromStat: "garbage") == nil)
    }

    @Test func findsOwnChildren() throws {
        let pid = try Spawner.spawn(["sleep", "5"])
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        #expect(ProcessTree.descendants(of: getpid()).contains(pid))
    }
}

@Suite struct ExitStatusTests {
    @Test func decodesWaitStatuses() {
        #expect(ExitStatus(waitStatus: 3 << 8) == .exited(3))
        #expect(ExitStatus(waitStatus: SIGTERM) == .signaled(.terminate))
        #expect(ExitStatus.exited(3).exitCode == 3)
        #expect(ExitStatus.signaled(.kill).exitCode == 137)
    }
}

@Suite struct SpawnTests {
    @Test func classifiesFailures() {
        #expect(throws: SpawnError.notFound("no-such-command-djinit")) { try Spawner.spawn(["no-such-command-djinit"]) }
        #expect {
            try Spawner.spawn(["/etc"])
        } throws: { error in
            if case .notExecutable = error as? SpawnError { return true }
            return false
        }
    }
}

@Suite struct EventLoopTests {
    @Test func timersFireInDeadlineOrderAndCancelledOnesDoNot() throws {
        let loop = EventLoop()
        var fired: [String] = []
        loop.schedule(after: .milliseconds(30)) { fired.append("late"); loop.stop() }
        loop.schedule(after: .milliseconds(10)) { fired.append("early") }
        let cancelled = loop.schedule(after: .milliseconds(20)) { fired.append("cancelled") }
        loop.cancel(cancelled)
        try loop.run()
        #expect(fired == ["early", "late"])
    }

    @Test func watchedDescriptorsCallTheirHandler() throws {
        let loop = EventLoop()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var readable = false
        loop.watch(fds[0]) { _ in readable = true; loop.stop() }
        writeAll(fds[1], [1])
        try loop.run()
        #expect(readable)
    }
}
