import DjinitLogging

/// The latest readiness check of `run` (gunicorn) or `async` (the broker), as `/readyz`,
/// `/startupz` and `/metrics` report it, with the log line each change deserves.
struct Readiness {
    enum State: Equatable {
        /// No check has finished yet.
        case unknown
        case ready
        case notReady(String)
    }

    /// What passing means, for the log: `gunicorn accepts connections`, `the broker answers`.
    let subject: String
    /// How a failure before the first success is logged: while the application boots, failing is
    /// normal and not worth a warning.
    let earlyFailureLevel: LogLevel
    private(set) var state = State.unknown
    /// Whether a check has ever passed (`/startupz`).
    private(set) var everReady = false
    private(set) var passed = 0
    private(set) var failed = 0

    init(subject: String, earlyFailureLevel: LogLevel) {
        self.subject = subject
        self.earlyFailureLevel = earlyFailureLevel
    }

    /// Records a finished check; logs a change, never a repeat.
    mutating func record(_ next: State, logger: Logger) {
        switch (state, next) {
        case (.ready, .ready):
            break
        case (_, .ready):
            logger.info("ready", everReady ? "ready again" : "ready: \(subject)")
        case (.notReady(let before), .notReady(let now)) where before == now:
            break
        case (_, .notReady(let reason)):
            if everReady {
                logger.warning("not-ready", "not ready: \(reason)")
            } else {
                logger.log(earlyFailureLevel, "not-ready", "not ready yet: \(reason)", [:])
            }
        case (_, .unknown):
            break
        }
        if next == .ready {
            passed += 1
            everReady = true
        } else {
            failed += 1
        }
        state = next
    }
}
