#if canImport(Glibc)
import Glibc
#endif

/// Small, whole-file reads for /proc and /sys files, without Foundation.
public enum FileReader {
    /// The contents of the file at `path`, at most `limit` bytes; nil if it cannot be opened.
    public static func contents(of path: String, limit: Int = 64 * 1024) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            if count == -1 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// The file at `path` as UTF-8 text, or nil.
    public static func text(of path: String, limit: Int = 64 * 1024) -> String? {
        contents(of: path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR; gives up silently on any other
/// error, since its callers (logging) have nowhere better to report it.
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if count == -1 && errno == EINTR { continue }
        guard count > 0 else { return }
        offset += count
    }
}

/// Directory listings without Foundation.
public enum DirectoryReader {
    /// The names in the directory at `path`, `.` and `..` left out, in no particular order; nil
    /// if it cannot be opened (with `errno` telling why).
    public static func names(in path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
