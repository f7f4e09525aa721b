import DjinitPosix
import Foundation
import Testing

@Suite struct CPULimitTests {
    @Test("cgroup v2 cpu.max: a quota over a period, or none", arguments: [
        ("200000 100000\n", 2.0),
        ("150000 100000\n", 1.5),
        ("50000 100000", 0.5),
        ("max 100000\n", nil),
        ("", nil),
        ("garbage", nil),
        ("-1 100000", nil),
    ] as [(String, Double?)])
    func cpuMax(text: String, expected: Double?) {
        #expect(CPULimit.fromCPUMax(text) == expected)
    }

    @Test("cgroup v1 CFS quota and period; -1 means unlimited")
    func cfs() {
        #expect(CPULimit.fromCFS(quota: "300000\n", period: "100000\n") == 3)
        #expect(CPULimit.fromCFS(quota: "25000\n", period: "100000\n") == 0.25)
        #expect(CPULimit.fromCFS(quota: "-1\n", period: "100000\n") == nil)
        #expect(CPULimit.fromCFS(quota: "100000\n", period: "0\n") == nil)
    }

    /// A fake /sys/fs/cgroup and /proc/self/cgroup in a temporary directory.
    private func sample(_ files: [String: String], membership: String) throws -> (cgroup: String, root: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)")
        for (path, contents) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        let membershipFile = root.appendingPathComponent("self-cgroup")
        try membership.write(to: membershipFile, atomically: true, encoding: .utf8)
        return (membershipFile.path, root.path)
    }

    @Test("v2: the container's own cgroup (a cgroup namespace shows it as /)")
    func v2Namespaced() throws {
        let files = try sample(["cpu.max": "250000 100000\n"], membership: "0::/\n")
        #expect(CPULimit.current(procSelfCgroup: files.cgroup, cgroupRoot: files.root) == 2.5)
    }

    @Test("v2: the smallest limit on the way up from the process's cgroup applies")
    func v2Hierarchy() throws {
        let files = try sample([
            "kubepods/cpu.max": "400000 100000\n",
            "kubepods/pod1/cpu.max": "100000 100000\n",
            "kubepods/pod1/app/cpu.max": "max 100000\n",
        ], membership: "0::/kubepods/pod1/app\n")
        #expect(CPULimit.current(procSelfCgroup: files.cgroup, cgroupRoot: files.root) == 1)
    }

    @Test("v2 without any limit: none")
    func v2Unlimited() throws {
        let files = try sample(["cpu.max": "max 100000\n"], membership: "0::/\n")
        #expect(CPULimit.current(procSelfCgroup: files.cgroup, cgroupRoot: files.root) == nil)
    }

    @Test("v1: the cpu controller's CFS files, under the mount named after the controllers")
    func v1() throws {
        let files = try sample([
            "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "150000\n",
            "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        ], membership: "12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n0::/\n")
        #expect(CPULimit.current(procSelfCgroup: files.cgroup, cgroupRoot: files.root) == 1.5)
    }

    @Test("v1 inside a container without a cgroup namespace: the host path is missing, the mount root is ours")
    func v1HostPathMissing() throws {
        let files = try sample([
            "cpu/cpu.cfs_quota_us": "50000\n",
            "cpu/cpu.cfs_period_us": "100000\n",
        ], membership: "4:cpu,cpuacct:/kubepods/burstable/pod9/abc\n")
        #expect(CPULimit.current(procSelfCgroup: files.cgroup, cgroupRoot: files.root) == 0.5)
    }

    @Test("the available CPUs are the limit, capped by the CPUs the process may run on")
    func available() throws {
        let limited = try sample(["cpu.max": "50000 100000\n"], membership: "0::/\n")
        #expect(CPULimit.availableCPUs(procSelfCgroup: limited.cgroup, cgroupRoot: limited.root) == 0.5)
        let huge = try sample(["cpu.max": "100000000 100000\n"], membership: "0::/\n")
        let capped = CPULimit.availableCPUs(procSelfCgroup: huge.cgroup, cgroupRoot: huge.root)
        #expect(capped >= 1 && capped < 1000)
    }
}
