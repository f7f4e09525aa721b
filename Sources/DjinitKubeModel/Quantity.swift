/// Which resource a quantity measures: decides which suffixes make sense.
public enum QuantityKind: Sendable {
    /// CPU cores: `2`, `1.5`, `500m`.
    case cpu
    /// Bytes: `512Mi`, `1Gi`, `1G`.
    case bytes

    var summary: String {
        switch self {
        case .cpu: "a CPU amount like 500m, 1 or 1.5"
        case .bytes: "a size like 512Mi, 1Gi or 10G"
        }
    }

    /// The same rule for the JSON Schema.
    var pattern: String {
        switch self {
        case .cpu: "^([0-9]+(\\.[0-9]{1,3})?|[0-9]+m)$"
        case .bytes: "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$"
        }
    }
}

/// A Kubernetes resource quantity, kept as written (for the manifest) and as an exact number of
/// thousandths (to compare against the platform's bounds without rounding).
public struct Quantity: Sendable, Equatable, Comparable, CustomStringConvertible {
    /// As written, e.g. `512Mi`: the manifest repeats the user's spelling.
    public let text: String
    /// The amount in thousandths of a core, or in thousandths of a byte.
    public let milliUnits: Int64

    /// Nil when `text` is not a quantity of `kind`.
    public init?(_ text: String, kind: QuantityKind) {
        let digits = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = text.dropFirst(digits.count)
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard !digits.isEmpty, parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 12 }),
              let whole = Int64(parts[0]) else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        let multiplier: Int64
        switch (kind, suffix) {
        case (.cpu, ""): multiplier = 1000
        case (.cpu, "m") where fraction.isEmpty: multiplier = 1
        case (.bytes, ""): multiplier = 1000
        case (.bytes, "k"): multiplier = 1000 * 1000
        case (.bytes, "M"): multiplier = 1000 * 1_000_000
        case (.bytes, "G"): multiplier = 1000 * 1_000_000_000
        case (.bytes, "T"): multiplier = 1000 * 1_000_000_000_000
        case (.bytes, "Ki"): multiplier = 1000 << 10
        case (.bytes, "Mi"): multiplier = 1000 << 20
        case (.bytes, "Gi"): multiplier = 1000 << 30
        case (.bytes, "Ti"): multiplier = 1000 << 40
        default: return nil
        }
        // The fraction in the unit's terms, truncated past a thousandth of a byte or core: no
        // quantity anyone writes has more precision than that.
        var fractional: Int64 = 0
        var scale = multiplier
        for digit in fraction {
            scale /= 10
            guard let value = digit.wholeNumberValue else { return nil }
            fractional += Int64(value) * scale
        }
        // Checked arithmetic: an amount too large to count is not a quantity (`9223.9T` once
        // overflowed here and crashed).
        let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        let (total, sumOverflow) = product.addingReportingOverflow(fractional)
        guard !overflow, !sumOverflow, kind != .cpu || fraction.count <= 3 else { return nil }
        self.text = text
        self.milliUnits = total
    }

    public var description: String { text }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.milliUnits < rhs.milliUnits }

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.milliUnits == rhs.milliUnits }
}
