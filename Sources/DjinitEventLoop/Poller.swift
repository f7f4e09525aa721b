#if canImport(Glibc)
import Glibc
#endif

/// poll(2) over a list of descriptors.
public enum Poller {
    /// Waits until one of `descriptors` is ready or `timeout` passes (nil: no limit), and writes
    /// each one's ready events into its `revents`. EINTR counts as "nothing ready".
    public static func wait(_ descriptors: inout [pollfd], timeout: Duration?) throws(SystemError) {
        let milliseconds: Int32
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            // Round up, so that a timer is never woken up early and left to spin.
            let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            milliseconds = Int32(clamping: max(0, total))
        } else {
            milliseconds = -1
        }
        let result = descriptors.withUnsafeMutableBufferPointer {
            poll($0.baseAddress, nfds_t($0.count), milliseconds)
        }
        if result == -1 && errno != EINTR { throw SystemError("poll") }
    }
}
