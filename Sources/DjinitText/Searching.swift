/// Searching text for text. The standard library leaves `contains(_:)`, `firstRange(of:)` and
/// `replacing(_:with:)` with a string argument to the _StringProcessing module, which djinit's modules do not import:
/// one use of either links that module and its regex parser, 1.2 MB, into the PID-1 binary
/// (Package.swift, `pid1Swift`). The names differ from those, so that a module that does import
/// _StringProcessing (djinit-kube) sees no ambiguity.
extension StringProtocol {
    /// Whether `needle` occurs in this text (character by character, as `==` compares).
    public func contains(substring needle: some StringProtocol) -> Bool {
        firstRange(ofSubstring: needle) != nil
    }

    /// This text with every occurrence of `target` replaced by `replacement`, left to right; an
    /// empty `target` replaces nothing.
    public func replacingEvery(_ target: some StringProtocol, with replacement: some StringProtocol) -> String {
        guard !target.isEmpty else { return String(self) }
        var result = ""
        var rest = self[...]
        while let found = rest.firstRange(ofSubstring: target) {
            result += rest[..<found.lowerBound]
            result += replacement
            rest = rest[found.upperBound...]
        }
        result += rest
        return result
    }

    /// Where the first occurrence of `needle` is; an empty needle occurs at the start.
    public func firstRange(ofSubstring needle: some StringProtocol) -> Range<Index>? {
        var start = startIndex
        while true {
            if self[start...].starts(with: needle) { return start..<index(start, offsetBy: needle.count) }
            guard start < endIndex else { return nil }
            start = index(after: start)
        }
    }
}
