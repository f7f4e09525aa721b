/// The one rule for writing text that came from outside (a customer's app.yaml, a command line,
/// a file name, an environment variable) into output that something else parses: YAML manifests,
/// JSON, djinit's log lines and its error messages.
///
/// Whatever the syntax, a character that could change the output's structure, or that a reader
/// might take for a line break, is never written as itself. Which characters those are is decided
/// here once (`mustEscape`), and each syntax only spells the escape its own way. The danger is
/// real: YAML 1.1 readers (libyaml and PyYAML, go-yaml in kubectl, Helm and ArgoCD) take NEL,
/// U+2028 and U+2029 for line breaks, where YAML 1.2 and JSON do not, so a writer that follows one
/// of them alone lets a value end its own line and start a key of its own.
public enum Escaping {
    /// Whether `scalar` is written only escaped: every control character (C0, DEL and the C1 range,
    /// NEL among them), the line and paragraph separators, format characters (U+FEFF, the
    /// zero-width and bidirectional marks), private-use and unassigned code points, which no
    /// reader is obliged to treat as plain text.
    public static func mustEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value < 0x20 || scalar.value == 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return true
        default:
            return false
        }
    }

    /// Whether all of `text` can be written as it is: no character `mustEscape`.
    public static func isPrintable(_ text: some StringProtocol) -> Bool {
        !text.unicodeScalars.contains(where: mustEscape)
    }

    /// `text` as a JSON string literal (RFC 8259). A character beyond the Basic Multilingual Plane
    /// that must be escaped is written as its UTF-16 surrogate pair, as JSON requires.
    public static func jsonString(_ text: some StringProtocol) -> String {
        quoted(text) { scalar, out in
            if scalar.value > 0xFFFF {
                let offset = scalar.value - 0x10000
                out += hex4(0xD800 + (offset >> 10)) + hex4(0xDC00 + (offset & 0x3FF))
            } else {
                out += hex4(scalar.value)
            }
        }
    }

    /// `text` as a YAML double-quoted scalar, which YAML 1.1 and 1.2 readers read back unchanged.
    /// (YAML escapes a code point beyond the Basic Multilingual Plane whole, as `\UXXXXXXXX`.)
    public static func yamlDoubleQuoted(_ text: some StringProtocol) -> String {
        quoted(text) { scalar, out in out += scalar.value > 0xFFFF ? hex8(scalar.value) : hex4(scalar.value) }
    }

    /// `text` for a message a person reads on one line: every character that must be escaped
    /// spelled as in JSON (`\n`, `\u2028`), the rest as it is, and no quotes added. A value with a
    /// line break in it can then never start a line of its own in a log.
    public static func oneLine(_ text: some StringProtocol) -> String {
        guard !isPrintable(text) else { return String(text) }
        var out = ""
        for scalar in text.unicodeScalars {
            if mustEscape(scalar) { out += jsonEscape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// `'text'` for an error message that quotes a value someone wrote: on one line (`oneLine`),
    /// and cut after `limit` characters so that a megabyte value makes a short message.
    public static func quotedValue(_ text: some StringProtocol, limit: Int = 120) -> String {
        let cut = text.count > limit
        return "'" + oneLine(cut ? text.prefix(limit) : text[...]) + (cut ? "'... (\(text.count) characters)" : "'")
    }

    // MARK: - Spelling

    /// Both quoted syntaxes: `"` and `\` escaped, the common controls by name, and every other
    /// character that `mustEscape` through `escape`.
    private static func quoted(_ text: some StringProtocol, escape: (Unicode.Scalar, inout String) -> Void) -> String {
        quotedString(text, escaping: mustEscape, as: escape)
    }

    /// A double-quoted string in the C family's syntax (JSON's, YAML's, Go's): `"` and `\`
    /// escaped, `\n`, `\t` and `\r` by name, each character `escaping` selects written by
    /// `spelling`, the rest as it is. For a writer that must match another's output byte for byte
    /// (Go's JSON encoder, whose output a digest covers), with its own choice of characters.
    @inline(__always)
    public static func quotedString(_ text: some StringProtocol, escaping: (Unicode.Scalar) -> Bool,
                                    as spelling: (Unicode.Scalar, inout String) -> Void) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where escaping(scalar): spelling(scalar, &out)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `\uXXXX`: four hexadecimal digits, as JSON spells a code point of the Basic Multilingual Plane.
    public static func unicodeEscape(_ scalar: Unicode.Scalar) -> String { hex4(scalar.value) }

    private static func jsonEscape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "\\n"
        case "\t": "\\t"
        case "\r": "\\r"
        default: scalar.value > 0xFFFF ? hex8(scalar.value) : hex4(scalar.value)
        }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    private static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "\\U" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
