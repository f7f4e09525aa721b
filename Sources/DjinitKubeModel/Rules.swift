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
    /// challenge cert-manager uses cannot issue a wildcard certificate), and not an IP address
    /// (Kubernetes refuses one as an Ingress host): the last label, a top-level domain, has a
    /// letter.
    static let hostname = TextRule(
        "a host name like shop.example.com, not an IP address",
        pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\.[a-z0-9-]*[a-z][a-z0-9-]*$",
        maxLength: 253,
        accepts: { text in
            let labels = text.split(separator: ".", omittingEmptySubsequences: false)
            return labels.count >= 2 && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            } && labels.last!.contains { $0.isLetter }
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
    static let anyText = TextRule("text", pattern: "^" + printable + "*$", accepts: { _ in true })

    /// Any text but the empty string.
    static let nonEmptyText = TextRule("non-empty text", pattern: "^" + printable + "+$", accepts: { !$0.isEmpty })

    /// One character a string of the two files may hold, as a pattern (ECMA-262 with Unicode
    /// properties, and RE2, which Helm uses): a line break, or anything but a control, format,
    /// private-use or unassigned character or a line or paragraph separator.
    static let printable = "([\\n\\r]|[^\\p{C}\\p{Zl}\\p{Zp}])"

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
        pattern: "^[a-z0-9][a-z0-9./_:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$",
        accepts: { ImageReference($0) != nil })

    /// An absolute path in its one spelling: `/`-separated names, none empty, `.` or `..`, and
    /// not `/` itself, so that comparing two paths as text compares what they name.
    static let absolutePath = TextRule(
        "an absolute path like /app/media (no empty, '.' or '..' parts, no trailing '/')",
        pattern: "^(/[^/\\p{C}\\p{Zl}\\p{Zp}]+)+$",
        accepts: { text in
            guard text.hasPrefix("/") else { return false }
            let parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
            return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." } && !text.contains("\0")
        })

    /// Whether `path` is `other` or lies above or below it (both in `absolutePath`'s spelling):
    /// two such mounts would hide one another.
    static func overlaps(_ path: String, _ other: String) -> Bool {
        path == other || path.hasPrefix(other + "/") || other.hasPrefix(path + "/")
    }

    /// A cron schedule as Kubernetes reads it: five fields (minute, hour, day of month, month, day
    /// of week), each a `*`, a value, a range or a list of them, with an optional `/step`; months
    /// and weekdays also by name; or a macro such as `@daily`.
    static let schedule = TextRule(
        "a cron schedule of five fields like '0 3 * * *' (minute 0-59, hour 0-23, day 1-31, month 1-12 or JAN-DEC, "
            + "weekday 0-7 or SUN-SAT), or @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually",
        pattern: "^(@(hourly|daily|midnight|weekly|monthly|yearly|annually)|[0-9A-Za-z*/,?-]+( [0-9A-Za-z*/,?-]+){4})$",
        accepts: { text in
            if ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"].contains(text) { return true }
            let fields = text.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 5 else { return false }
            return zip(fields, CronField.all).allSatisfy { $1.accepts($0) }
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

    /// Where ArgoCD fetches a Helm chart: a Helm repository (`https://`), an OCI registry
    /// (`oci://`), or a Git repository.
    static let chartRepositoryURL = TextRule(
        "a chart repository like oci://registry.example.com/charts or https://charts.example.com", pattern: "^(https://|oci://|ssh://|git@)\\S+$",
        accepts: { text in
            ["https://", "oci://", "ssh://", "git@"].contains { text.hasPrefix($0) } && !text.contains { $0.isWhitespace }
        })

    /// A djinit release djinit-kube can write manifests for.
    static let djinitRelease = TextRule(
        "a djinit release from \(Release.oldestSupported) to \(Release.current), as djinit --version prints it",
        pattern: Release.pattern,
        accepts: { text in Release(text).map { (Release.oldestSupported...Release.current).contains($0) } ?? false })

    /// A service's HTTP address, such as Prometheus' for KEDA.
    static let serviceURL = TextRule(
        "an http:// or https:// address like http://prometheus.monitoring.svc:9090", pattern: "^https?://[^\\s/?#]+(/\\S*)?$",
        accepts: { text in
            guard let scheme = ["http://", "https://"].first(where: text.hasPrefix) else { return false }
            let rest = text.dropFirst(scheme.count)
            let host = rest.prefix { $0 != "/" }
            return !host.isEmpty && !host.contains { $0.isWhitespace || $0 == "?" || $0 == "#" }
                && !rest.contains { $0.isWhitespace }
        })

    /// A path inside a repository: `/`-separated names, none empty, `.` or `..`.

    static let relativePath = TextRule(
        "a path inside the repository like apps/shop/app.yaml (no leading '/', no '.' or '..' parts)",
        pattern: "^[^/]+(/[^/]+)*$",
        accepts: { text in
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains { $0.isWhitespace } }
        })

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

/// One field of a cron schedule: its range of values and, for months and weekdays, their names.
struct CronField {
    let range: ClosedRange<Int>
    let names: [String]
    /// Whether `?` ("no particular value") is allowed, as for the day fields.
    let allowsQuestionMark: Bool

    static let all = [
        CronField(range: 0...59, names: [], allowsQuestionMark: false),
        CronField(range: 0...23, names: [], allowsQuestionMark: false),
        CronField(range: 1...31, names: [], allowsQuestionMark: true),
        CronField(range: 1...12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
                  allowsQuestionMark: false),
        CronField(range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], allowsQuestionMark: true),
    ]

    /// `*`, `?`, `5`, `1-5`, `MON-FRI`, `*/15`, `0-30/10`, and lists of them.
    func accepts(_ field: Substring) -> Bool {
        field.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return false }
            if parts.count == 2 {
                guard parts[1].count <= 2, let step = Int(parts[1]), step >= 1, step <= range.upperBound else { return false }
            }
            let base = parts[0]
            if base == "*" || (base == "?" && allowsQuestionMark && parts.count == 1) { return true }
            let ends = base.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2, let low = value(ends[0]), let high = ends.count == 2 ? value(ends[1]) : low else { return false }
            return low <= high
        }
    }

    /// A number in the range, or a name (any case) of a month or weekday.
    private func value(_ text: Substring) -> Int? {
        if text.count <= 2, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text) {
            return range.contains(number) ? number : nil
        }
        return names.firstIndex(of: text.uppercased()).map { $0 + range.lowerBound }
    }
}
