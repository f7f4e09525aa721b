import CDjinitShim
import DjinitPosix

/// poll(2) over a list of descriptors.
enum Poller {
    /// Waits until one of `descriptors` is ready or `deadline` passes (nil: no limit), and writes
    /// each one's ready events into its `revents`.
    static func wait(_ descriptors: inout [pollfd], until deadline: MonotonicInstant?) throws(SystemError) {
        _ = try syscall("poll") {
            // Computed at each try, so that a call interrupted and retried still wakes in time.
            // Rounded up, so that a timer is never woken up early and left to spin.
            let timeout = deadline.map { Int32(clamping: max(.zero, MonotonicInstant.now.duration(to: $0)).millisecondsRoundedUp) } ?? -1
            return descriptors.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
        }
    }
}
