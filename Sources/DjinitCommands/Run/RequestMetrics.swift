import DjinitProbe

/// What gunicorn's statsD datagrams tell about the requests it served, as `/metrics` reports it.
///
/// gunicorn sends three datagrams when a request ends: `gunicorn.request.duration` in ms,
/// `gunicorn.request.status.NNN` and `gunicorn.requests` (which the status counts already hold),
/// each name after any `--statsd-prefix`. Other metrics (its log counters, its worker count,
/// which `GunicornLoad` reads from /proc) are ignored.
struct RequestMetrics {
    /// Upper bounds of the duration buckets, in seconds: from a cached page to a slow report.
    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Requests by status class, `1xx` to `5xx`.
    private(set) var byStatusClass: [Double] = Array(repeating: 0, count: 5)
    private var buckets = Array(repeating: 0, count: RequestMetrics.bucketBounds.count)
    private var overflow = 0
    private(set) var durationSum = 0.0
    private(set) var durationCount = 0

    mutating func record(_ metric: StatsDMetric) {
        let name = metric.name.utf8
        if metric.kind == .timer || metric.kind == .histogram, RequestMetrics.names(name, "gunicorn.request.duration") {
            let seconds = max(0, metric.value / 1000)
            durationSum += seconds
            durationCount += 1
            if let index = RequestMetrics.bucketBounds.firstIndex(where: { seconds <= $0 }) {
                buckets[index] += 1
            } else {
                overflow += 1
            }
        } else if metric.kind == .counter, name.count > 4, RequestMetrics.names(name.dropLast(4), "gunicorn.request.status"),
                  let statusClass = RequestMetrics.statusClass(name.suffix(4)) {
            byStatusClass[statusClass - 1] += metric.value / metric.sampleRate
        }
    }

    /// The class, 1 to 5, of a status code suffix `.NNN`.
    private static func statusClass(_ suffix: some Sequence<UInt8>) -> Int? {
        var statusClass: Int?
        for (offset, byte) in suffix.enumerated() {
            switch offset {
            case 0 where byte == UInt8(ascii: "."): continue
            case 1 where (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(byte): statusClass = Int(byte - UInt8(ascii: "0"))
            case 2...3 where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte): continue
            default: return nil
            }
        }
        return statusClass
    }

    /// Whether `name` is `metric`, or `metric` after a `--statsd-prefix` (`PREFIX.metric`).
    private static func names(_ name: some Collection<UInt8>, _ metric: StaticString) -> Bool {
        let wanted = UnsafeBufferPointer(start: metric.utf8Start, count: metric.utf8CodeUnitCount)
        guard name.count >= wanted.count, name.suffix(wanted.count).elementsEqual(wanted) else { return false }
        return name.count == wanted.count || name.dropLast(wanted.count).last == UInt8(ascii: ".")
    }

    func add(to text: inout PrometheusText) {
        text.add("djinit_http_requests_total", .counter, help: "Requests gunicorn finished, by status class (its statsD datagrams).",
                 byStatusClass.enumerated().map { (labels: [("code", "\($0.offset + 1)xx")], value: $0.element) })
        text.addHistogram("djinit_http_request_duration_seconds", help: "How long gunicorn took per request, in seconds.",
                          buckets: Array(zip(RequestMetrics.bucketBounds, buckets)).map { (bound: $0.0, count: $0.1) },
                          overflow: overflow, sum: durationSum)
    }
}
