/// Metrics in Prometheus' text exposition format (version 0.0.4), built without Foundation.
public struct PrometheusText {
    /// A metric family's type.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public private(set) var text = ""

    public init() {}

    /// Adds one metric family: its `# HELP` and `# TYPE` lines, then one line per sample.
    ///
    /// - Parameter samples: label pairs and value; a family with no samples is still declared.
    public mutating func add(_ name: String, _ kind: Kind, help: String,
                             _ samples: [(labels: [(String, String)], value: Double)]) {
        text += "# HELP \(name) \(PrometheusText.escapedHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            text += name
            if !sample.labels.isEmpty {
                text += "{" + sample.labels.map { "\($0.0)=\"\(PrometheusText.escapedLabel($0.1))\"" }
                    .joined(separator: ",") + "}"
            }
            text += " \(PrometheusText.format(sample.value))\n"
        }
    }

    /// Adds a histogram: for each bucket's upper bound the count of observations at or below it
    /// (cumulative, as the format wants), then `+Inf`, the sum and the count.
    ///
    /// - Parameter buckets: upper bounds, ascending, with the observations in each bucket alone.
    public mutating func addHistogram(_ name: String, help: String, buckets: [(bound: Double, count: Int)],
                                      overflow: Int, sum: Double) {
        text += "# HELP \(name) \(PrometheusText.escapedHelp(help))\n# TYPE \(name) histogram\n"
        var cumulative = 0
        for bucket in buckets {
            cumulative += bucket.count
            text += "\(name)_bucket{le=\"\(PrometheusText.format(bucket.bound))\"} \(cumulative)\n"
        }
        cumulative += overflow
        text += "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n"
        text += "\(name)_sum \(PrometheusText.format(sum))\n\(name)_count \(cumulative)\n"
    }

    /// Adds a family with one unlabelled sample.
    public mutating func add(_ name: String, _ kind: Kind, help: String, _ value: Double) {
        add(name, kind, help: help, [(labels: [], value: value)])
    }

    /// Whole numbers without a fraction (`3`, not `3.0`); others as Swift prints them, which
    /// Prometheus parses (`0.25`, `1e-05`).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// The exposition format's escapes: a backslash and a line feed in help text, and a double
    /// quote as well in a label value.
    private static func escapedHelp(_ text: String, quote: Bool = false) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quote: escaped += "\\\""
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func escapedLabel(_ text: String) -> String {
        escapedHelp(text, quote: true)
    }
}
