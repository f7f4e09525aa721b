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
        guard let start = metric.name.firstRange(of: "gunicorn.") else { return }
        let name = metric.name[start.lowerBound...]
        switch (name, metric.kind) {
        case ("gunicorn.request.duration", .timer), ("gunicorn.request.duration", .histogram):
            let seconds = max(0, metric.value / 1000)
            durationSum += seconds
            durationCount += 1
            if let index = RequestMetrics.bucketBounds.firstIndex(where: { seconds <= $0 }) {
                buckets[index] += 1
            } else {
                overflow += 1
            }
        case (_, .counter) where name.hasPrefix("gunicorn.request.status."):
            let code = name.dropFirst("gunicorn.request.status.".count)
            if code.count == 3, let first = code.first?.wholeNumberValue, (1...5).contains(first), Int(code) != nil {
                byStatusClass[first - 1] += metric.value / metric.sampleRate
            }
        default:
            break
        }
    }

    func add(to text: inout PrometheusText) {
        text.add("djinit_http_requests_total", .counter, help: "Requests gunicorn finished, by status class (its statsD datagrams).",
                 byStatusClass.enumerated().map { (labels: [("code", "\($0.offset + 1)xx")], value: $0.element) })
        text.addHistogram("djinit_http_request_duration_seconds", help: "How long gunicorn took per request, in seconds.",
                          buckets: Array(zip(RequestMetrics.bucketBounds, buckets)).map { (bound: $0.0, count: $0.1) },
                          overflow: overflow, sum: durationSum)
    }
}
