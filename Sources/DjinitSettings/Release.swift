/// A release of djinit, as `djinit --version` prints it.
///
/// Each setting names the release it arrived in (`Setting.since`). djinit refuses a `DJINIT_*`
/// variable it does not know, so manifests that set a newer setting would stop every image that
/// still carries an older djinit, and every rollback to one: djinit-kube writes only the settings
/// the oldest djinit of a hoster's images knows (platform.yaml's `djinitVersion`).
public struct Release: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Reads `1.2.3`: three numbers, none longer than six digits, so nothing overflows.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy { $0.isASCII } }),
              let major = Int(parts[0]), let minor = Int(parts[1]), let patch = Int(parts[2]),
              major >= 0, minor >= 0, patch >= 0 else { return nil }
        self.init(major, minor, patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: Release, rhs: Release) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    /// This build.
    public static let current = Release(0, 2, 0)

    /// The first release: every setting declared without `since` arrived in it.
    public static let first = Release(0, 1, 0)

    /// The oldest djinit djinit-kube writes manifests for. Raising it drops support for images
    /// that carry an older one; `scripts/djinit-release` builds it for the compatibility test.
    public static let oldestSupported = first

    /// The form of a release, for JSON Schemas.
    public static let pattern = "^[0-9]{1,6}\\.[0-9]{1,6}\\.[0-9]{1,6}$"
}
