import Foundation

/// The folder `render --out DIR` writes: the new files, and none of an earlier render's that
/// the new one no longer has (a removed cron job must not linger as a stale file).
public struct OutputFolder {
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    /// Writes `files` and deletes the files an earlier render wrote that are not among them.
    /// Files djinit-kube did not write (no generated header) are left alone.
    public func replace(with files: [(name: String, contents: String)]) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        let keep = Set(files.map(\.name))
        for existing in try manager.contentsOfDirectory(atPath: path) where existing.hasSuffix(".yaml") && !keep.contains(existing) {
            let file = path + "/" + existing
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.hasPrefix(Manifests.header) {
                try manager.removeItem(atPath: file)
            }
        }
        for file in files {
            try file.contents.write(toFile: path + "/" + file.name, atomically: true, encoding: .utf8)
        }
    }
}
