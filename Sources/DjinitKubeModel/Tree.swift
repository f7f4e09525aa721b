import DjinitText
import Yams

/// An ordered document: a Kubernetes object or a JSON Schema, with its keys in the order they were
/// built, so that the same input always gives the same bytes.
///
/// A dictionary literal drops entries whose value is nil, so optional fields read naturally:
/// `["replicas": hpa == nil ? .int(2) : nil]`.
public indirect enum Tree: Equatable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case list([Tree])
    case map([Entry])

    /// One key of a map.
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let value: Tree

        public init(_ key: String, _ value: Tree) {
            self.key = key
            self.value = value
        }
    }

    /// The value at `key` of a map, or nil.
    public subscript(key: String) -> Tree? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The items of a list, or none.
    public var items: [Tree] {
        guard case .list(let items) = self else { return [] }
        return items
    }

    /// The text of a string, or nil.
    public var text: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// A map from string pairs, sorted by key (labels, ConfigMap data).
    public static func sortedStrings(_ pairs: [(String, String)]) -> Tree {
        .map(pairs.sorted { $0.0 < $1.0 }.map { Entry($0.0, .string($0.1)) })
    }

    /// The tree as a YAML node, for a default that takes the place of a value read from a file.
    var node: Node {
        switch self {
        case .string(let text): Node(text, Tag(.str))
        case .int(let number): Node(String(number), Tag(.int))
        case .bool(let flag): Node(flag ? "true" : "false", Tag(.bool))
        case .list(let items): Node(items.map(\.node))
        case .map(let entries): Node(entries.map { (Node($0.key), $0.value.node) })
        }
    }

    /// This map with `entries` added at the end (replacing none: callers add new keys only).
    public func adding(_ entries: [Entry]) -> Tree {
        guard case .map(let own) = self else { preconditionFailure("only a map takes entries") }
        return .map(own + entries)
    }
}

extension Tree: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Tree...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, Tree?)...) {
        self = .map(elements.compactMap { key, value in value.map { Entry(key, $0) } })
    }
}

// MARK: - YAML

extension Tree {
    /// The tree as a block-style YAML document (no leading `---`), ending in a newline.
    ///
    /// Every string, key or value, is written by one rule that holds for YAML 1.1 and 1.2 readers
    /// alike (`yamlScalar`). Text from app.yaml goes through it like any other, so no value can end
    /// its own line and add a key, an object or a document.
    public var yaml: String {
        var out = ""
        switch self {
        case .map(let entries) where !entries.isEmpty:
            Tree.writeMap(entries, indent: 0, into: &out)
        case .list(let items) where !items.isEmpty:
            Tree.writeList(items, indent: 0, into: &out)
        default:
            out = inlineYAML(indent: 0) + "\n"
        }
        return out
    }

    private static func writeMap(_ entries: [Entry], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for entry in entries {
            out += pad + yamlScalar(entry.key, blockIndent: nil) + ":"
            writeValue(entry.value, indent: indent, into: &out)
        }
    }

    private static func writeList(_ items: [Tree], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            switch item {
            case .map(let entries) where !entries.isEmpty:
                // The first key goes on the dash's line; the rest line up under it.
                var nested = ""
                writeMap(entries, indent: indent + 2, into: &nested)
                out += pad + "- " + nested.dropFirst(indent + 2)
            case .list(let inner) where !inner.isEmpty:
                out += pad + "-\n"
                writeList(inner, indent: indent + 2, into: &out)
            default:
                out += pad + "- " + item.inlineYAML(indent: indent + 2) + "\n"
            }
        }
    }

    /// Writes what follows `key:`: a nested block on the next lines, or a scalar on this line.
    private static func writeValue(_ value: Tree, indent: Int, into out: inout String) {
        switch value {
        case .map(let entries) where !entries.isEmpty:
            out += "\n"
            writeMap(entries, indent: indent + 2, into: &out)
        case .list(let items) where !items.isEmpty:
            out += "\n"
            writeList(items, indent: indent + 2, into: &out)
        default:
            out += " " + value.inlineYAML(indent: indent + 2) + "\n"
        }
    }

    /// A scalar, an empty collection, or a literal block whose lines are indented by `indent`.
    private func inlineYAML(indent: Int) -> String {
        switch self {
        case .string(let text): Tree.yamlScalar(text, blockIndent: indent)
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .list: "[]"
        case .map: "{}"
        }
    }

    /// The one rule for a string in YAML:
    /// - **plain** when no reader could take it for anything but this string (`isPlainSafe`);
    /// - a **literal block** (`|`) when it is several lines of printable ASCII that a block keeps
    ///   exactly, so that embedded files stay readable (`blockIndent` is where its lines go; nil
    ///   for a key, which is never a block);
    /// - otherwise **double-quoted**, with every character `Escaping.mustEscape` escaped.
    static func yamlScalar(_ text: String, blockIndent: Int?) -> String {
        if isPlainSafe(text) { return text }
        if let indent = blockIndent, canBeLiteralBlock(text) {
            let pad = String(repeating: " ", count: indent)
            let chomping = text.hasSuffix("\n") ? "" : "-"
            let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : pad + $0 }
            return "|" + chomping + "\n" + lines.joined(separator: "\n")
        }
        return Escaping.yamlDoubleQuoted(text)
    }

    /// Words a YAML 1.1 reader (PyYAML, so checkov) would turn into a bool or null.
    private static let ambiguousWords: Set<String> = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null",
    ]

    /// Plain only if it starts with a letter or `/` (so it is no number, no indicator, no
    /// sexagesimal like `1:30`) and holds only ASCII characters that are never special in a plain
    /// scalar.
    private static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "/" else {
            return false
        }
        guard !ambiguousWords.contains(text.lowercased()) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "-_./@:=+".unicodeScalars.contains(scalar))
        } && !text.hasSuffix(":")
    }

    /// A literal block keeps every character as it is, so it may only hold what every reader
    /// sees alike: printable ASCII and `\n` (no tab, no NEL or U+2028, which YAML 1.1 readers take
    /// for line breaks, nothing else outside ASCII). Its first line must be neither empty nor start
    /// with a space: a reader takes the block's indentation from its first non-empty line, so a
    /// deeper one would lose its leading spaces (an indentation indicator would be needed). Nor
    /// trailing spaces, which some tools strip, or trailing blank lines, which need `|+`.
    private static func canBeLiteralBlock(_ text: String) -> Bool {
        text.contains("\n") && !text.hasPrefix(" ") && !text.hasPrefix("\n") && !text.hasSuffix("\n\n")
            && text.unicodeScalars.allSatisfy { $0 == "\n" || (0x20...0x7E).contains($0.value) }
            && !text.split(separator: "\n").contains { $0.hasSuffix(" ") }
    }
}

// MARK: - JSON

extension Tree {
    /// The tree as pretty-printed JSON (two-space indent), ending in a newline.
    public var json: String {
        var out = ""
        writeJSON(indent: 0, into: &out)
        return out + "\n"
    }

    private func writeJSON(indent: Int, into out: inout String) {
        let inner = String(repeating: " ", count: indent + 2)
        let closing = String(repeating: " ", count: indent)
        switch self {
        case .string(let text): out += Escaping.jsonString(text)
        case .int(let number): out += String(number)
        case .bool(let flag): out += flag ? "true" : "false"
        case .list(let items) where items.isEmpty: out += "[]"
        case .map(let entries) where entries.isEmpty: out += "{}"
        case .list(let items):
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                item.writeJSON(indent: indent + 2, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += closing + "]"
        case .map(let entries):
            out += "{\n"
            for (index, entry) in entries.enumerated() {
                out += inner + Escaping.jsonString(entry.key) + ": "
                entry.value.writeJSON(indent: indent + 2, into: &out)
                out += index == entries.count - 1 ? "\n" : ",\n"
            }
            out += closing + "}"
        }
    }
}
