import DjinitEventLoop
import DjinitPosix
import DjinitSettings

extension AdvisoryLock.Mode {
    /// The mode `DJINIT_LOCK_MODE` names.
    public init(_ setting: LockModeSetting) {
        self = switch setting {
        case .transaction: .transaction
        case .session: .session
        }
    }
}

/// Waits for an advisory lock the way every djinit lock is waited for: try it, and while another
/// replica holds it, try again every `interval`; never block inside PostgreSQL (see
/// `AdvisoryLock` for why). Who holds it is looked up and reported every `reportInterval`.
///
/// `init`'s migration lock, `collectstatic`'s turn and the beat lock all wait through this.
public final class AdvisoryLockPoller {
    /// How often a replica waiting for a lock that another one holds tries again: a waiter moves
    /// on within a quarter of a second of the holder finishing.
    public static let waitingInterval: Duration = .milliseconds(250)

    public let lock: AdvisoryLock
    private let loop: EventLoop
    private let interval: Duration
    private let reportInterval: Duration?
    private var onWaiting: ((AdvisoryLock.Holder?) -> Void)?
    private var completion: ((Result<Void, PostgresError>) -> Void)?
    private var retry: EventLoop.TimerID?
    private var lastReport: MonotonicInstant?

    /// - Parameters:
    ///   - reportInterval: how often `onWaiting` hears who holds the lock while this waits; nil
    ///     for never.
    public init(lock: AdvisoryLock, loop: EventLoop, interval: Duration = AdvisoryLockPoller.waitingInterval,
                reportInterval: Duration? = nil, onWaiting: @escaping (AdvisoryLock.Holder?) -> Void = { _ in }) {
        self.lock = lock
        self.loop = loop
        self.interval = interval
        self.reportInterval = reportInterval
        self.onWaiting = onWaiting
    }

    /// Polls until the lock is held (`.success`) or a try fails (`.failure`: the connection is
    /// unusable). `completion` runs once, on the loop.
    public func start(completion: @escaping (Result<Void, PostgresError>) -> Void) {
        self.completion = completion
        tryOnce()
    }

    /// Stops polling; the completion is not called. A try still in flight may take the lock:
    /// close the connection to be sure none is held.
    public func cancel() {
        if let retry { loop.cancel(retry) }
        retry = nil
        completion = nil
        onWaiting = nil
    }

    private func tryOnce() {
        retry = nil
        lock.tryAcquire { [self] result in
            guard completion != nil else { return }
            switch result {
            case .failure(let error):
                finish(.failure(error))
            case .success(true):
                finish(.success(()))
            case .success(false):
                reportNowAndThen()
                retry = loop.schedule(after: interval) { [self] in tryOnce() }
            }
        }
    }

    private func reportNowAndThen() {
        guard let reportInterval else { return }
        let now = loop.now
        if let lastReport, now - lastReport < reportInterval { return }
        lastReport = now
        lock.currentHolder { [self] holder in onWaiting?(holder) }
    }

    private func finish(_ result: Result<Void, PostgresError>) {
        let completion = self.completion
        cancel()
        completion?(result)
    }
}
