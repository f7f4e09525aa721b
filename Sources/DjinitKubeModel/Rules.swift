import DjinitSettings

/// The text rules app.yaml and platform.yaml share.
enum Rules {
    /// `[a-z]([-a-z0-9]*[a-z0-9])?`: a DNS-1035 label, what Kubernetes names of Services and
    /// most objects must be.
    static func isDNSLabel(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLowercase, text.last != "-" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    static func dnsLabel(maxLength: Int) -> TextRule {
        TextRule("a DNS label (lowercase letters, digits and '-', starting with a letter)",
                 pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: maxLength, accepts: isDNSLabel)
    }

    /// A host name for an Ingress rule: dotted DNS labels, at least two, no wildcard (the HTTP-01
    /// challenge cert-manager uses cannot issue a wildcard certificate).
    static let hostname = TextRule(
        "a host name like shop.example.com", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$",
        maxLength: 253,
        accepts: { text in
            let labels = text.split(separator: ".", omittingEmptySubsequences: false)
            return labels.count >= 2 && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            }
        })

    /// `[A-Za-z_][A-Za-z0-9_]*`: a name a shell, and so every process, takes as a variable.
    static let variableName = TextRule(
        "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
        accepts: { text in
            guard let first = text.first, !first.isNumber else { return false }
            return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        })

    /// A SealedSecret's ciphertext: base64, as `kubeseal --raw` prints it.
    static let ciphertext = TextRule(
        "ciphertext from `kubeseal --raw` (base64)", pattern: "^[A-Za-z0-9+/]+=*$",
        accepts: { text in
            let body = text.drop { $0 != "=" }.allSatisfy { $0 == "=" }
            return !text.isEmpty && body && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }
        })

    /// Any text, the empty string included (a ConfigMap value may be empty). Like every string of
    /// the two files, it holds no control or format character but line breaks (`Shape`).
    static let anyText = TextRule("text", accepts: { _ in true })

    /// Any text but the empty string.
    static let nonEmptyText = TextRule("non-empty text", pattern: ".", accepts: { !$0.isEmpty })

    /// A PostgreSQL database or role name as djinit-kube writes it into URLs and pgbouncer.ini:
    /// an identifier that needs neither quoting nor percent-encoding anywhere.
    static let postgresName = TextRule(
        "a PostgreSQL name (letters, digits, '_' and '-', starting with a letter or '_')",
        pattern: "^[A-Za-z_][A-Za-z0-9_-]*$", maxLength: 63,
        accepts: { text in
            guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
            return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        })

    /// A container image with a version: see `ImageReference`.
    static let image = TextRule(
        "an image with a version tag or digest, like ghcr.io/acme/shop:1.4.2 (not 'latest')",
        pattern: "^[^\\s]+(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[a-f0-9]{64})?$",
        accepts: { ImageReference($0) != nil })

    static let absolutePath = TextRule(
        "an absolute path like /app/media", pattern: "^/", accepts: { (try? AbsolutePath($0)) != nil && $0 != "/" })

    /// A cron schedule: five fields, or a macro such as `@daily`.
    static let schedule = TextRule(
        "a cron schedule of five fields like '0 3 * * *', or @hourly, @daily, @weekly, @monthly",
        pattern: "^(@(hourly|daily|weekly|monthly|yearly)|\\S+ \\S+ \\S+ \\S+ \\S+)$",
        accepts: { text in
            if ["@hourly", "@daily", "@weekly", "@monthly", "@yearly"].contains(text) { return true }
            let fields = text.split(separator: " ")
            return fields.count == 5 && fields.allSatisfy { field in
                field.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "*/,-?".contains($0)) }
            }
        })

    static let duration = TextRule(
        "a duration like 10m, 1h or 90s", pattern: "^([0-9]+(ms|s|m|h))+$",
        accepts: { (try? Duration.parse($0)).map { $0 > .zero } ?? false })

    /// A label or annotation key: an optional DNS prefix and `/`, then a name.
    static let metadataKey = TextRule(
        "a key like example.com/name", pattern: "^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
        maxLength: 316,
        accepts: { text in
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let name = parts.last, !name.isEmpty, name.count <= 63 else { return false }
            return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
                && (parts.count == 1 || parts[0].allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || ".-".contains($0)) })
        })

    /// A label value: at most 63 characters of letters, digits, `-`, `_` and `.`.
    static let labelValue = TextRule(
        "a label value", pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", maxLength: 63,
        accepts: { text in
            !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        })

    /// A Secret's key, which becomes a file name in the secrets directory.
    static let secretKey = TextRule(
        "a Secret key (letters, digits, '-', '_', '.')", pattern: "^[-._a-zA-Z0-9]+$", maxLength: 253,
        accepts: { text in !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } })

    /// A Git repository URL for ArgoCD.
    static let repositoryURL = TextRule(
        "a repository URL like https://git.example.com/apps/shop.git", pattern: "^(https://|ssh://|git@)\\S+$",
        accepts: { ($0.hasPrefix("https://") || $0.hasPrefix("ssh://") || $0.hasPrefix("git@")) && !$0.contains(" ") })
}

/// A container image reference: `registry/repository[:tag][@sha256:digest]`, pinned to a version.
public struct ImageReference: Sendable, Equatable {
    /// As written.
    public let text: String
    public let tag: String?
    public let digest: String?

    /// Nil unless the reference names a version: a tag other than `latest`, a digest, or both.
    /// A moving tag would make the same manifest run different code on different nodes.
    public init?(_ text: String) {
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { return nil }
        var rest = Substring(text)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let value = rest[rest.index(after: at)...]
            guard value.hasPrefix("sha256:"), value.count == 71,
                  value.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
            digest = String(value)
            rest = rest[..<at]
        }
        var tag: String?
        let lastSlash = rest.lastIndex(of: "/") ?? rest.startIndex
        if let colon = rest[lastSlash...].lastIndex(of: ":") {
            let value = rest[rest.index(after: colon)...]
            guard let first = value.first, first.isLetter || first.isNumber || first == "_", value.count <= 128,
                  value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else { return nil }
            tag = String(value)
            rest = rest[..<colon]
        }
        guard !rest.isEmpty, rest.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "./-_:".contains($0)) }) else {
            return nil
        }
        guard digest != nil || (tag != nil && tag != "latest") else { return nil }
        self.text = text
        self.tag = tag
        self.digest = digest
    }
}
