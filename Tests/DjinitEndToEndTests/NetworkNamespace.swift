import DjinitTestSupport
import Foundation
import Synchronization
import Testing

import Glibc

/// A host of the test's own: a network namespace joined to this one by a veth pair, on a /30 of
/// 10.213.0.0/16. Traffic between the two goes only over that pair, so a test can cut it (a
/// partition) without touching anything else on the machine.
struct NetworkNamespace {
    /// Whether this machine lets the tests make namespaces: root and `ip`.
    static var available: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: ip) }

    static let ip = "/usr/sbin/ip"
    private static let used = Mutex<Set<Int>>([])

    let name: String
    /// The veth end in this (the tests') namespace, and the one inside the test's namespace.
    let hostSide: String
    let namespaceSide: String
    /// This side's address, where servers listen for the namespace's clients.
    let hostAddress: String
    let namespaceAddress: String

    /// Creates the namespace and the pair, with both ends up.
    static func create() throws -> NetworkNamespace {
        let index = try used.withLock { taken in
            guard let free = (0..<16_000).first(where: { !taken.contains($0) }) else { throw TestFailure("no free subnet") }
            taken.insert(free)
            return free
        }
        let tag = "\(getpid() % 10_000)x\(index)"
        let base = index * 4
        let namespace = NetworkNamespace(
            name: "djt-\(tag)", hostSide: "djh\(tag)", namespaceSide: "djn\(tag)",
            hostAddress: "10.213.\(base / 256).\(base % 256 + 1)", namespaceAddress: "10.213.\(base / 256).\(base % 256 + 2)")
        try namespace.ip(["netns", "add", namespace.name])
        try namespace.ip(["link", "add", namespace.hostSide, "type", "veth", "peer", "name", namespace.namespaceSide])
        try namespace.ip(["link", "set", namespace.namespaceSide, "netns", namespace.name])
        try namespace.ip(["addr", "add", namespace.hostAddress + "/30", "dev", namespace.hostSide])
        try namespace.ip(["link", "set", namespace.hostSide, "up"])
        try namespace.ip(["netns", "exec", namespace.name, ip, "addr", "add", namespace.namespaceAddress + "/30", "dev", namespace.namespaceSide])
        try namespace.ip(["netns", "exec", namespace.name, ip, "link", "set", namespace.namespaceSide, "up"])
        try namespace.ip(["netns", "exec", namespace.name, ip, "link", "set", "lo", "up"])
        return namespace
    }

    /// Runs a command inside the namespace (for `DjinitProcess`'s wrapper).
    var exec: [String] { [NetworkNamespace.ip, "netns", "exec", name] }

    /// Cuts the link from inside: from now on nothing crosses it either way, and nothing tells
    /// either end, as when a node is lost.
    func partition() throws {
        try ip(["netns", "exec", name, NetworkNamespace.ip, "link", "set", namespaceSide, "down"])
    }

    /// Deletes the namespace, and with it the pair.
    func remove() {
        _ = try? ip(["netns", "delete", name])
    }

    private func ip(_ arguments: [String]) throws {
        _ = try TestServices.run(NetworkNamespace.ip, arguments)
    }
}

/// The figures of the fault suite (time to recover, tasks lost, locks stranded), one line per
/// fault in the file `DJTEST_FAULT_REPORT` names, which `scripts/test` prints at the end.
enum FaultReport {
    static func record(_ fault: String, _ figures: KeyValuePairs<String, String>) {
        let line = fault + "\t" + figures.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n"
        guard let path = ProcessInfo.processInfo.environment["DJTEST_FAULT_REPORT"] else {
            print("fault report: " + line, terminator: "")
            return
        }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        handle.seekToEndOfFile()
        handle.write(Data(line.utf8))
        try? handle.close()
    }

    /// `12.3 s`
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1000).\(milliseconds % 1000 / 100) s"
    }
}
