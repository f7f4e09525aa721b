import DjinitSettings
import FuzzDriver

/// URL redaction: the input is put where a password goes in database and broker URLs, between
/// two markers. Whenever such a URL is accepted, nothing of the markers may show in what djinit
/// prints; a URL that is refused is fine (a bad setting, exit 2, never shown).
runFuzzer { data, size in
    let input = text(data, size)
    let secret = "QZX" + input + "XZQ"
    // In a query string '&' ends a value: what follows is another option in libpq's reading,
    // and djinit shows what libpq will use.
    let database = [
        "postgres://app:\(secret)@db:5432/app", "postgresql://app:\(secret)@db/app?sslmode=require",
        "postgres://app:\(secret)@[::1]:1,db:2/app",
    ] + (input.contains("&") ? [] : [
        "postgres://app@db/app?password=\(secret)", "postgres://app:p@db/app?sslpassword=\(secret)",
    ])
    for url in database {
        guard let parsed = try? DatabaseURL(url) else { continue }
        check(parsed.redactedText)
    }
    // The input alone, as a URL: nothing to find, but no control character may be shown.
    if let parsed = try? DatabaseURL(input) { check(parsed.redactedText, markers: false) }
    if let parsed = try? BrokerURL(input) { check(parsed.redactedText, markers: false) }
    // Celery splits a broker list at every ';' before it reads any URL, so what follows a ';' is
    // not part of a password in its reading (and djinit shows what Celery will use).
    let broker = input.contains(";") ? [] : [
        "redis://:\(secret)@cache:6379/0", "amqp://user:\(secret)@rabbit//",
        "sentinel://:\(secret)@a:26379;sentinel://u:\(secret)@b:26379", "redis://h:1/0?password=\(secret)",
    ]
    for url in broker {
        guard let parsed = try? BrokerURL(url) else { continue }
        check(parsed.redactedText)
    }
    return 0
}

func check(_ shown: String, markers: Bool = true) {
    if markers, shown.contains("QZX") || shown.contains("XZQ") { fatalError("password shown: \(shown.debugDescription)") }
    if shown.unicodeScalars.contains(where: { $0.value < 0x20 }) { fatalError("a control character shown") }
}
