import CDjinitShim

/// A reading of the clock that never jumps, for deadlines and elapsed times: `CLOCK_BOOTTIME`,
/// which, like Swift's `ContinuousClock`, also counts time the machine spent suspended.
///
/// djinit's own type rather than `ContinuousClock`, which lives in the _Concurrency module: one use
/// of it links all of Swift's concurrency runtime and libdispatch (0.55 MB) into a binary that
/// runs no tasks (Package.swift, `pid1Swift`).
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Since an unspecified start (the machine's boot), in nanoseconds.
    private let nanoseconds: Int64

    private init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The current reading.
    public static var now: MonotonicInstant {
        var reading = timespec()
        // Cannot fail: the clock exists on every Linux since 2.6.39 and the pointer is valid.
        clock_gettime(CLOCK_BOOTTIME, &reading)
        return MonotonicInstant(nanoseconds: Int64(reading.tv_sec) &* 1_000_000_000 &+ Int64(reading.tv_nsec))
    }

    /// The instant `duration` later (earlier, if negative), saturating instead of trapping: a
    /// deadline centuries away is as good as none.
    public func advanced(by duration: Duration) -> MonotonicInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(duration.wholeNanoseconds)
        return MonotonicInstant(nanoseconds: overflow ? (duration < .zero ? .min : .max) : sum)
    }

    /// The time from this instant to `other` (negative if `other` is earlier).
    public func duration(to other: MonotonicInstant) -> Duration {
        let (difference, overflow) = other.nanoseconds.subtractingReportingOverflow(nanoseconds)
        return .nanoseconds(overflow ? (other < self ? Int64.min : .max) : difference)
    }

    public static func - (later: MonotonicInstant, earlier: MonotonicInstant) -> Duration {
        earlier.duration(to: later)
    }

    public static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool {
        a.nanoseconds < b.nanoseconds
    }
}
