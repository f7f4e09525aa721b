import CDjinitShim

/// How much CPU the container may use: its cgroup CPU limit, not the host's CPU count.
///
/// Sizing worker pools from the host's CPUs over-subscribes every container on a large node: a pod
/// limited to 2 CPUs on a 64-CPU node would start 129 gunicorn workers. Both cgroup versions are
/// read: v2's `cpu.max` and v1's `cpu.cfs_quota_us` / `cpu.cfs_period_us`. A limit set on any
/// ancestor cgroup applies too, so the smallest one on the way up is taken.
public enum CPULimit {
    /// The CPUs this process may use: the cgroup limit, if any, capped by the CPUs it may run on
    /// (its affinity mask, which a cpuset also narrows).
    public static func availableCPUs(
        procSelfCgroup: String = "/proc/self/cgroup", cgroupRoot: String = "/sys/fs/cgroup"
    ) -> Double {
        let affinity = Double(max(1, djinit_affinity_cpu_count()))
        guard let limit = current(procSelfCgroup: procSelfCgroup, cgroupRoot: cgroupRoot) else { return affinity }
        return min(limit, affinity)
    }

    /// The cgroup CPU limit in CPUs (`1.5` for 150 ms per 100 ms), or nil when there is none.
    ///
    /// - Parameters:
    ///   - procSelfCgroup: the process's cgroup membership file (tests pass a sample).
    ///   - cgroupRoot: where the cgroup file systems are mounted.
    public static func current(procSelfCgroup: String = "/proc/self/cgroup", cgroupRoot: String = "/sys/fs/cgroup") -> Double? {
        let membership = FileReader.text(of: procSelfCgroup) ?? ""
        var limits: [Double] = []
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let path = String(fields[2])
            if fields[0] == "0" && controllers.isEmpty {
                limits += ancestors(of: path, under: cgroupRoot).compactMap { directory in
                    FileReader.text(of: directory + "/cpu.max").flatMap(fromCPUMax)
                }
            } else if controllers.contains("cpu") {
                for mount in [cgroupRoot + "/" + fields[1], cgroupRoot + "/cpu"] {
                    limits += ancestors(of: path, under: mount).compactMap { directory in
                        guard let quota = FileReader.text(of: directory + "/cpu.cfs_quota_us"),
                              let period = FileReader.text(of: directory + "/cpu.cfs_period_us") else { return nil }
                        return fromCFS(quota: quota, period: period)
                    }
                }
            }
        }
        return limits.min()
    }

    /// Parses cgroup v2's `cpu.max`: `QUOTA PERIOD` in microseconds, or `max PERIOD` for no limit.
    public static func fromCPUMax(_ text: String) -> Double? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, fields[0] != "max" else { return nil }
        return ratio(fields[0], fields[1])
    }

    /// Parses cgroup v1's CFS files: a quota of -1 means no limit.
    public static func fromCFS(quota: String, period: String) -> Double? {
        let quota = quota.split(separator: "\n").first ?? ""
        let period = period.split(separator: "\n").first ?? ""
        return ratio(quota, period)
    }

    private static func ratio(_ quota: Substring, _ period: Substring) -> Double? {
        guard let quota = Int64(quota), let period = Int64(period), quota > 0, period > 0 else { return nil }
        return Double(quota) / Double(period)
    }

    /// `mount + path` and each of its parents up to `mount`, that exist. Inside a container
    /// without a cgroup namespace, the path /proc names is the host's and does not exist under the
    /// container's mount, whose root is then the container's own cgroup: walking up finds it.
    private static func ancestors(of path: String, under mount: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        var result: [String] = []
        while true {
            let directory = mount + (components.isEmpty ? "" : "/" + components.joined(separator: "/"))
            if FileStatus.exists(directory) { result.append(directory) }
            guard !components.isEmpty else { return result }
            components.removeLast()
        }
    }
}
