/// `Duration` in the units the kernel, log lines and metrics use. Every conversion djinit makes
/// goes through these, and none can trap: a duration too long for the unit is clamped to the
/// largest value (settings are at most a year, far from it).
extension Duration {
    /// In whole milliseconds, the fraction dropped.
    public var wholeMilliseconds: Int64 { whole(perSecond: 1000) }

    /// In milliseconds, rounded up: for a wait that must not end early.
    public var millisecondsRoundedUp: Int64 { whole(perSecond: 1000, adding: 999_999_999_999_999) }

    /// In milliseconds, rounded to the nearest: for what a log line shows.
    public var millisecondsRounded: Int64 { whole(perSecond: 1000, adding: 500_000_000_000_000) }

    /// In whole nanoseconds, the fraction dropped: for clock arithmetic.
    public var wholeNanoseconds: Int64 { whole(perSecond: 1_000_000_000) }

    /// In seconds, with the fraction: for Prometheus samples.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole units of which a second holds `perSecond`, after adding `attoseconds` (below one unit)
    /// to round; clamped to Int64's range, on the side of the duration's sign.
    private func whole(perSecond: Int64, adding attoseconds: Int64 = 0) -> Int64 {
        let (seconds, fraction) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: perSecond)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = scaled.addingReportingOverflow((fraction + attoseconds) / (1_000_000_000_000_000_000 / perSecond))
        return overflowAgain ? (seconds < 0 ? .min : .max) : total
    }
}
