import CDjinitShim
import DjinitPosix

/// The processes below djinit, read from /proc.
///
/// djinit signals descendants one by one instead of with kill(-1): as PID 1 of a container the two
/// are the same, but as a subreaper kill(-1) would reach every process the user may signal.
public enum ProcessTree {
    /// Every live or zombie descendant of `root` (not `root` itself), parents before children.
    public static func descendants(of root: pid_t, procRoot: String = "/proc") -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for (pid, parent) in parentLinks(procRoot: procRoot) { children[parent, default: []].append(pid) }
        var result: [pid_t] = []
        var queue = children[root] ?? []
        while let pid = queue.popLast() {
            result.append(pid)
            queue.append(contentsOf: children[pid] ?? [])
        }
        return result
    }

    /// The live or zombie children of `parent`.
    public static func children(of parent: pid_t, procRoot: String = "/proc") -> [pid_t] {
        parentLinks(procRoot: procRoot).filter { $0.1 == parent }.map { $0.0 }
    }

    /// `(pid, parent pid)` of every process in `procRoot`.
    static func parentLinks(procRoot: String) -> [(pid_t, pid_t)] {
        var links: [(pid_t, pid_t)] = []
        for name in DirectoryReader.namesIfAny(in: procRoot) {
            guard let pid = pid_t(name),
                  let stat = FileReader.text(of: "\(procRoot)/\(name)/stat", limit: 1024),
                  let parent = parentPID(fromStat: stat)
            else { continue }
            links.append((pid, parent))
        }
        return links
    }

    /// The parent PID field of a /proc/PID/stat line. The command name before it is in
    /// parentheses and may itself contain spaces and parentheses, so fields are counted from the
    /// last `)`.
    static func parentPID(fromStat stat: String) -> pid_t? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return nil }
        return pid_t(fields[1])
    }
}
