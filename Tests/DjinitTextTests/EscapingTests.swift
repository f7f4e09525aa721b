import DjinitText
import Testing

@Suite struct EscapingTests {
    /// The characters YAML 1.1 readers take for line breaks, and the other invisible ones that
    /// must never reach an output as themselves.
    static let dangerous: [Unicode.Scalar] = [
        "\u{0}", "\u{7}", "\u{9}", "\u{A}", "\u{D}", "\u{1B}", "\u{7F}", "\u{80}", "\u{85}", "\u{9F}",
        "\u{AD}", "\u{200B}", "\u{200E}", "\u{202E}", "\u{2028}", "\u{2029}", "\u{2066}", "\u{FEFF}",
        "\u{E000}", "\u{FFFE}", "\u{FFFF}", "\u{E0001}", "\u{10FFFF}",
    ]

    @Test("every control, separator, format, private-use and unassigned character must be escaped")
    func dangerousCharactersAreEscaped() {
        for scalar in Self.dangerous {
            #expect(Escaping.mustEscape(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        for scalar in ["a", " ", "~", "é", "\u{A0}", "日", "\u{1F600}", "\u{301}"] as [Unicode.Scalar] {
            #expect(!Escaping.mustEscape(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test("JSON spells escapes as RFC 8259 does, with surrogate pairs beyond the BMP")
    func json() {
        #expect(Escaping.jsonString("a\"b\\c\n\t\r") == #""a\"b\\c\n\t\r""#)
        #expect(Escaping.jsonString("x\u{85}y\u{2028}z\u{2029}\u{FEFF}") == #""x\u0085y\u2028z\u2029\ufeff""#)
        #expect(Escaping.jsonString("\u{E0001}\u{1F600}") == "\"\\udb40\\udc01\u{1F600}\"")
    }

    @Test("YAML double-quoted scalars escape the same characters, beyond the BMP as \\U")
    func yaml() {
        #expect(Escaping.yamlDoubleQuoted("x\u{85}y\u{2028}") == #""x\u0085y\u2028""#)
        #expect(Escaping.yamlDoubleQuoted("\u{E0001}é") == "\"\\U000e0001é\"")
    }

    @Test("a one-line message keeps printable text and spells out the rest")
    func oneLine() {
        #expect(Escaping.oneLine("plain café") == "plain café")
        #expect(Escaping.oneLine("a\n[djinit] forged\u{2028}") == #"a\n[djinit] forged\u2028"#)
        #expect(Escaping.quotedValue("x\ny") == #"'x\ny'"#)
        #expect(Escaping.quotedValue(String(repeating: "a", count: 500), limit: 3) == "'aaa'... (500 characters)")
    }
}
