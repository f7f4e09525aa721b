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

    /// The text of a string, or nil.
    public var text: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// A map from string pairs, sorted by key (labels, ConfigMap data).
    public static func sortedStrings(_ pairs: [(String, String)]) -> Tree {
        .map(pairs.sorted { $0.0 < $1.0 }.map { Entry($0.0, .string($0.1)) })
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
    /// Strings are written plain only when no YAML 1.1 or 1.2 reader could take them for anything
    /// but a string; otherwise they are double-quoted with JSON's escapes, which YAML accepts.
    /// Multi-line strings are literal blocks, so embedded files stay readable.
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
            out += pad + yamlKey(entry.key) + ":"
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
        case .string(let text): Tree.yamlString(text, indent: indent)
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .list: "[]"
        case .map: "{}"
        }
    }

    private static func yamlKey(_ key: String) -> String {
        isPlainSafe(key) ? key : jsonString(key)
    }

    private static func yamlString(_ text: String, indent: Int) -> String {
        if isPlainSafe(text) { return text }
        if canBeLiteralBlock(text) {
            let pad = String(repeating: " ", count: indent)
            let chomping = text.hasSuffix("\n") ? "" : "-"
            let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : pad + $0 }
            return "|" + chomping + "\n" + lines.joined(separator: "\n")
        }
        return jsonString(text)
    }

    /// Words a YAML 1.1 reader (PyYAML, so checkov) would turn into a bool or null.
    private static let ambiguousWords: Set<String> = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null",
    ]

    /// Plain only if it starts with a letter or `/` (so it is no number, no indicator, no
    /// sexagesimal like `1:30`) and holds only characters that are never special in a plain scalar.
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

    /// A literal block keeps every character as is, so it fits text without control characters
    /// other than newlines, without a leading space on its first line (which would need an
    /// indentation indicator) and without trailing blank lines (which would need `|+`).
    private static func canBeLiteralBlock(_ text: String) -> Bool {
        text.contains("\n") && !text.hasPrefix(" ") && !text.hasSuffix("\n\n")
            && !text.unicodeScalars.contains { $0 != "\n" && isNonPrintable($0) }
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
        case .string(let text): out += Tree.jsonString(text)
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
                out += inner + Tree.jsonString(entry.key) + ": "
                entry.value.writeJSON(indent: indent + 2, into: &out)
                out += index == entries.count - 1 ? "\n" : ",\n"
            }
            out += closing + "}"
        }
    }

    /// What YAML does not allow unescaped: C0 controls, DEL, the C1 controls (NEL among them, a
    /// line break to YAML 1.1) and U+FFFE/U+FFFF.
    private static func isNonPrintable(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (0xFFFE...0xFFFF).contains(scalar.value)
    }

    /// A string literal valid both as JSON and as a YAML double-quoted scalar. Unlike a plain JSON
    /// escaper (DjinitLogging's, for log lines) it also escapes what YAML counts as non-printable.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where isNonPrintable(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
