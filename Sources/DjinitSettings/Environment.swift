/// Environment variables as `NAME=value` pairs, looked up by name.
///
/// Deliberately a small list rather than a `Dictionary`: djinit reads a handful of names once,
/// and in a fully static binary the first dictionary of strings costs more start-up time (a scan
/// of every protocol conformance in the binary) than everything else djinit does before it
/// spawns its child.
public struct Environment: Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(name: String, value: String)]

    public init(_ entries: [(name: String, value: String)]) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The value of `name`; the first one if it appears twice, as getenv(3) does.
    public subscript(name: String) -> String? {
        entries.first { $0.name == name }?.value
    }
}
