/// `Duration` in the units the kernel, log lines and metrics use. Every conversion djinit makes
/// goes through these, and none can trap: a duration too long for the unit is clamped to the
/// largest value (settings are at most a year, far from it).
extension Duration {
    /// In whole milliseconds, the fraction dropped.
    public var wholeMilliseconds: Int64 { milliseconds(adding: 0) }

    /// In milliseconds, rounded up: for a wait that must not end early.
    public var millisecondsRoundedUp: Int64 { milliseconds(adding: 999_999_999_999_999) }

    /// In milliseconds, rounded to the nearest: for what a log line shows.
    public var millisecondsRounded: Int64 { milliseconds(adding: 500_000_000_000_000) }

    /// In whole nanoseconds, the fraction dropped: for clock arithmetic.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAgain ? (seconds < 0 ? .min : .max) : total
    }

    /// In seconds, with the fraction: for Prometheus samples.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds after adding `attoseconds` (below one millisecond) to round.
    private func milliseconds(adding attoseconds: Int64) -> Int64 {
        let (seconds, fraction) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = scaled.addingReportingOverflow((fraction + attoseconds) / 1_000_000_000_000_000)
        return overflowAgain ? .max : total
    }
}
