import CDjinitShim

/// Small, whole-file reads for /proc, /sys and the project's files, without Foundation.
public enum FileReader {
    /// The contents of the file at `path`, at most `limit` bytes; nil if it cannot be opened or
    /// read.
    public static func contents(of path: String, limit: Int = 64 * 1024) -> [UInt8]? {
        try? read(path, limit: limit)
    }

    /// The file at `path` as UTF-8 text (invalid bytes replaced), or nil.
    public static func text(of path: String, limit: Int = 64 * 1024) -> String? {
        contents(of: path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The contents of the file at `path`, at most `limit` bytes, or why it cannot be read.
    public static func read(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let fd = try syscall("open(\(path))") { djinit_open(path, O_RDONLY | O_CLOEXEC, 0) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = try syscall("read(\(path))") {
                chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes; gives up silently on an error, since its
/// callers (logging, the console) have nowhere better to report it.
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        guard let count = try? syscall("write", { bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) } }),
              count > 0 else { return }
        offset += count
    }
}

/// Replaces the file at `path` with `bytes` (created with mode 0644 if missing).
public func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
    let fd = try syscall("open(\(path))") { djinit_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        offset += try syscall("write(\(path))") { bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) } }
    }
}

/// What stat(2) tells about a path.
public struct FileStatus: Sendable {
    public enum Kind: Sendable { case regular, directory, other }

    public let kind: Kind
    public let size: Int
    /// The modification time, in nanoseconds since the epoch.
    public let modified: Int64

    /// The path's status, following symlinks.
    public init(_ path: String) throws(SystemError) {
        var info = stat()
        _ = try syscall("stat(\(path))") { stat(path, &info) }
        self.init(info)
    }

    /// The status of the path itself, a symlink not followed.
    public init(link path: String) throws(SystemError) {
        var info = stat()
        _ = try syscall("lstat(\(path))") { lstat(path, &info) }
        self.init(info)
    }

    private init(_ info: stat) {
        switch info.st_mode & mode_t(S_IFMT) {
        case mode_t(S_IFREG): kind = .regular
        case mode_t(S_IFDIR): kind = .directory
        default: kind = .other
        }
        size = Int(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    /// Where the symlink at `path` points, or nil if it is none (or cannot be read).
    public static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard let count = try? syscall("readlink(\(path))", { readlink(path, &buffer, buffer.count) }),
              count > 0, count < buffer.count else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `path` exists (a dangling symlink does not).
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Whether this process may read `path`.
    public static func isReadable(_ path: String) -> Bool { access(path, R_OK) == 0 }

    /// Whether this process may execute `path`.
    public static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}

/// Directory listings without Foundation.
public enum DirectoryReader {
    /// The names in the directory at `path`, `.` and `..` left out, in no particular order.
    public static func names(in path: String) throws(SystemError) -> [String] {
        guard let directory = opendir(path) else { throw SystemError("opendir(\(path))") }
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

    /// The names in the directory at `path`, or none if it cannot be read.
    public static func namesIfAny(in path: String) -> [String] {
        (try? names(in: path)) ?? []
    }
}

/// Copies the file at `source` to `destination` with mode `mode`: written to a temporary file
/// beside it, then renamed over it, so that nobody ever runs a half-written copy.
public func copyFile(from source: String, to destination: String, mode: mode_t) throws(SystemError) {
    let input = try syscall("open(\(source))") { djinit_open(source, O_RDONLY | O_CLOEXEC, 0) }
    defer { close(input) }
    let temporary = destination + ".partial"
    let output = try syscall("open(\(temporary))") { djinit_open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
    do {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try syscall("read(\(source))") { chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) } }
            guard count > 0 else { break }
            var offset = 0
            while offset < count {
                offset += try syscall("write(\(temporary))") { chunk.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) } }
            }
        }
        // The umask may have taken bits away from open's mode.
        _ = try syscall("fchmod(\(temporary))") { fchmod(output, mode) }
        _ = try syscall("fsync(\(temporary))") { fsync(output) }
        close(output)
        _ = try syscall("rename(\(destination))") { rename(temporary, destination) }
    } catch {
        close(output)
        unlink(temporary)
        throw error
    }
}
