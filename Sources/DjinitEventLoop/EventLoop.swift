import CDjinitShim
import DjinitPosix

/// djinit's one event loop: poll(2) over the descriptors it watches, plus timers.
///
/// Everything djinit does after start-up (signals, reaping, probes, deadlines) runs as a callback
/// on this loop, on the main thread. No callback may block; long work belongs in a child process.
///
/// ## Who keeps a callback's object alive
///
/// Whoever will call the callback. A callback captures its object strongly (`[self]`), and the
/// one that calls it keeps the callback until it will call it no more:
/// - the loop keeps a watch until `unwatch`, and a timer until it fires or is cancelled;
/// - an object that takes a callback (the supervisor's signal handler, a check's completion)
///   keeps it until its last call, and drops it then;
/// - when `run()` returns, the loop drops every watch and timer it still holds.
///
/// So an object lives exactly as long as something may still call into it: an exchange in flight
/// lives until its completion has run, a server while it listens, and no one needs `unowned`
/// captures or a list of objects to keep alive. A cycle through a callback (an object that keeps
/// the loop, whose watch keeps the object) ends when the registration does. Objects keep the loop
/// (and anything else they use) strongly.
public final class EventLoop {
    /// Names a scheduled timer, to cancel it.
    public struct TimerID: Hashable, Sendable {
        fileprivate let value: Int
    }

    /// When, within one turn of the loop, a ready descriptor's handler runs.
    public enum Turn: Sendable {
        /// In the order the descriptors were watched.
        case inOrder
        /// After every other ready descriptor's: for a listening socket, so that the requests
        /// that arrived on open connections are served before more connections are accepted
        /// (which may close older ones to make room).
        case last
    }

    private struct Watch {
        let fd: Int32
        var events: Int16
        var turn: Turn
        var handler: (Int16) -> Void
    }

    private struct Timer {
        let id: TimerID
        let deadline: MonotonicInstant
        let action: () -> Void
    }

    // A list, not a dictionary: there are a handful, and see `Environment` on start-up cost.
    private var watches: [Watch] = []
    private var timers: [Timer] = []
    private var nextTimerID = 0
    private var stopped = false

    public init() {}

    /// The events `watch` waits for: data to read (or a connection to accept, or the peer gone).
    public static let readable = Int16(POLLIN)
    /// The events `watch` waits for: room to write (or a connect that finished).
    public static let writable = Int16(POLLOUT)

    /// The loop's clock reading.
    public var now: MonotonicInstant { .now }

    /// Calls `handler` with the ready events whenever `fd` is ready for `events` (`readable` by
    /// default). Watching a descriptor again replaces its events and handler.
    public func watch(_ fd: Int32, events: Int16 = EventLoop.readable, turn: Turn = .inOrder,
                      _ handler: @escaping (Int16) -> Void) {
        unwatch(fd)
        watches.append(Watch(fd: fd, events: events, turn: turn, handler: handler))
    }

    /// Stops watching `fd`; call before closing it.
    public func unwatch(_ fd: Int32) {
        watches.removeAll { $0.fd == fd }
    }

    /// Runs `action` once, `delay` from now.
    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping () -> Void) -> TimerID {
        nextTimerID += 1
        let id = TimerID(value: nextTimerID)
        timers.append(Timer(id: id, deadline: MonotonicInstant.now.advanced(by: delay), action: action))
        return id
    }

    /// Cancels a timer that has not fired; a fired or unknown one is ignored.
    public func cancel(_ id: TimerID) {
        timers.removeAll { $0.id == id }
    }

    /// Makes `run()` return once the current callback finishes, or at once if it is called
    /// before `run()` (a command may finish while it is still setting up).
    public func stop() {
        stopped = true
    }

    /// Runs callbacks until `stop()`, then drops every watch and timer left, and with them the
    /// objects they kept alive.
    public func run() throws(SystemError) {
        defer {
            stopped = false
            watches = []
            timers = []
        }
        while !stopped {
            var descriptors = watches.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
            try Poller.wait(&descriptors, until: timers.map { $0.deadline }.min())
            for turn in [Turn.inOrder, .last] {
                for descriptor in descriptors where descriptor.revents != 0 && !stopped {
                    // A handler may have unwatched this descriptor, or another, meanwhile. The
                    // local copy keeps the handler, and so its object, alive while it runs.
                    guard let watch = watches.first(where: { $0.fd == descriptor.fd }), watch.turn == turn else { continue }
                    watch.handler(descriptor.revents)
                }
            }
            fireDueTimers()
        }
    }

    private func fireDueTimers() {
        let now = MonotonicInstant.now
        let due = timers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
        guard !due.isEmpty else { return }
        timers.removeAll { $0.deadline <= now }
        for timer in due where !stopped { timer.action() }
    }
}
