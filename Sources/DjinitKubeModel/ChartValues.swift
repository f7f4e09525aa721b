import DjinitText

/// The hoster's values of the djinit-app Helm chart: platform.yaml complete, every default filled
/// in, under `platform:`, and a digest of exactly that, as a value of its own.
///
/// Why the digest: ArgoCD gives the hoster's `valuesObject` precedence over the customer's value
/// file, but Helm merges maps key by key, so a customer's app.yaml could add keys under
/// `platform:` that the hoster never wrote (a second pod selector label, an allowed annotation).
/// The chart recomputes `sha256sum (toJson .Values.platform)` and refuses to render on a mismatch;
/// the hoster's `platformDigest` always wins the merge, so no customer key can go unnoticed.
public struct ChartValues: Sendable {
    public let platform: Tree
    public let digest: String

    public init(_ platform: PlatformSpec) {
        self.platform = platform.completed
        digest = SHA256.hex(platform.completed.goJSON)
    }

    /// The values document: `platform`, then `platformDigest`.
    public var tree: Tree { ["platform": platform, "platformDigest": .string(digest)] }

    /// The key of the digest in the values.
    public static let digestKey = "platformDigest"
}

extension Tree {
    /// The tree as Go's encoding/json writes the same values, which is what Helm's `toJson` gives:
    /// map keys sorted by their bytes, no whitespace, and `<`, `>`, `&`, U+2028 and U+2029
    /// escaped like the control characters. Both sides then hash the same bytes.
    var goJSON: String {
        switch self {
        case .string(let text): return Tree.goJSONString(text)
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .list(let items): return "[" + items.map(\.goJSON).joined(separator: ",") + "]"
        case .map(let entries):
            let sorted = entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return "{" + sorted.map { Tree.goJSONString($0.key) + ":" + $0.value.goJSON }.joined(separator: ",") + "}"
        }
    }

    /// A string as Go's encoding/json writes it: controls escaped (`\b` and `\f` by name), and the
    /// HTML-sensitive `<`, `>`, `&` and the line and paragraph separators as `\u` escapes.
    private static func goJSONString(_ text: String) -> String {
        let htmlSensitive: Set<Unicode.Scalar> = ["<", ">", "&", "\u{2028}", "\u{2029}"]
        return Escaping.quotedString(text, escaping: { $0.value < 0x20 || htmlSensitive.contains($0) }, as: { scalar, out in
            switch scalar {
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            default: out += Escaping.unicodeEscape(scalar)
            }
        })
    }
}
