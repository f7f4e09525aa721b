import DjinitPosix
import Testing

@Suite struct MonotonicClockTests {
    @Test("readings never go back, and durations between them are what passed")
    func readings() {
        let first = MonotonicInstant.now
        let second = MonotonicInstant.now
        #expect(first <= second)
        #expect(second - first >= .zero)
        #expect(first.duration(to: second) == second - first)
    }

    @Test("arithmetic with durations is exact, in both directions")
    func arithmetic() {
        let start = MonotonicInstant.now
        let later = start.advanced(by: .milliseconds(1500))
        #expect(later - start == .milliseconds(1500))
        #expect(start - later == .milliseconds(-1500))
        #expect(later.advanced(by: .milliseconds(-1500)) == start)
        #expect(start.advanced(by: .nanoseconds(1)) > start)
    }

    @Test("a deadline centuries away saturates instead of trapping")
    func saturation() {
        let start = MonotonicInstant.now
        let far = start.advanced(by: .seconds(Int64.max))
        #expect(far > start.advanced(by: .seconds(100 * 365 * 86_400)))
        #expect(far.advanced(by: .seconds(1)) == far)
        #expect(start.advanced(by: .seconds(Int64.min)) < start)
        #expect(far.duration(to: start.advanced(by: .seconds(Int64.min))) < .zero)
    }

    @Test("Duration.wholeNanoseconds drops the fraction and clamps")
    func wholeNanoseconds() {
        #expect(Duration.milliseconds(1500).wholeNanoseconds == 1_500_000_000)
        #expect(Duration.nanoseconds(-7).wholeNanoseconds == -7)
        #expect(Duration.seconds(Int64.max).wholeNanoseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeNanoseconds == .min)
    }
}
