import DjinitText
import Testing

/// The text search djinit's modules use instead of _StringProcessing's (Searching.swift): the
/// same answers as the standard library's, which this test target may import.
@Suite struct SearchingTests {
    static let texts = ["", "a", "abc", "FATAL:  28P01: password", "aaaa", "é́x", "日本語のテキスト", "a\r\nb"]
    static let needles = ["", "a", "aa", "c", "FATAL:", "28P01", "x", "\r\n", "\n", "語の", "e"]

    @Test("contains(substring:) agrees with String.contains for every pair")
    func containsAgrees() {
        for text in Self.texts {
            for needle in Self.needles {
                #expect(text.contains(substring: needle) == text.contains(needle), "'\(text)' ∋ '\(needle)'")
            }
        }
    }

    @Test("firstRange(ofSubstring:) agrees with String.firstRange(of:) for every pair")
    func firstRangeAgrees() {
        for text in Self.texts {
            for needle in Self.needles {
                #expect(text.firstRange(ofSubstring: needle) == text.firstRange(of: needle), "'\(needle)' in '\(text)'")
            }
        }
    }

    @Test("replacingEvery agrees with String.replacing, and an empty target replaces nothing")
    func replacingAgrees() {
        for text in Self.texts {
            for target in Self.needles where !target.isEmpty {
                #expect(text.replacingEvery(target, with: "<\(target)>") == text.replacing(target, with: "<\(target)>"))
            }
            #expect(text.replacingEvery("", with: "x") == text)
        }
        #expect("aaaa".replacingEvery("aa", with: "a") == "aa")
        #expect("async: bad".replacingEvery("async:", with: "beat:") == "beat: bad")
    }
}
