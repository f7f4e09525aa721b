import DjinitPosix
import DjinitSettings

/// A PostgreSQL advisory lock key: a 64-bit number derived from a readable name.
public struct AdvisoryLockKey: Equatable, Sendable, CustomStringConvertible {
    /// The key PostgreSQL sees.
    public let value: Int64
    /// The name it was derived from, for logs.
    public let name: String

    /// The key for `name`: the name itself if it is a decimal 64-bit integer, else its 64-bit
    /// FNV-1a hash (stable across versions and platforms, unlike PostgreSQL's `hashtext`).
    public init(name: String) {
        self.name = name
        if let number = Int64(name) {
            value = number
            return
        }
        var hash = StableHash()
        hash.combine(name.utf8)
        value = Int64(bitPattern: hash.value)
    }

    public var description: String { "\(name) (key \(value))" }

    /// pg_locks shows a bigint advisory key as two 32-bit halves.
    var halves: (classID: UInt32, objectID: UInt32) {
        let bits = UInt64(bitPattern: value)
        return (UInt32(truncatingIfNeeded: bits >> 32), UInt32(truncatingIfNeeded: bits))
    }
}

/// An advisory lock that one process of many holds at a time (one `migrate`, one `celery beat`).
///
/// Waiters *poll* `pg_try_advisory_*lock`; they never block inside `pg_advisory_lock`. A waiter
/// blocked there holds a snapshot, and a `CREATE INDEX CONCURRENTLY` run by the holder's child
/// waits for every such snapshot, while the waiter waits for the holder: a deadlock PostgreSQL
/// cannot see.
public final class AdvisoryLock {
    /// Where the lock lives.
    public enum Mode: Sendable {
        /// `pg_try_advisory_xact_lock` in a transaction kept open while the lock is held. Works
        /// directly and through PgBouncer in transaction pooling, which pins a server connection
        /// to an open transaction.
        case transaction
        /// `pg_try_advisory_lock` on the session, with no transaction open. Needs a direct
        /// connection (or session pooling): through transaction pooling the lock would stay on a
        /// server connection that other clients then use.
        case session
    }

    /// Who holds a lock, as pg_stat_activity tells it.
    public struct Holder: Equatable, Sendable {
        public let pid: String
        public let applicationName: String
        public let since: String
    }

    public let key: AdvisoryLockKey
    public let mode: Mode
    private let connection: PostgresConnection

    public init(key: AdvisoryLockKey, mode: Mode, connection: PostgresConnection) {
        self.key = key
        self.mode = mode
        self.connection = connection
    }

    /// Tries once to take the lock: calls `completion` with true if it is now held. On false, no
    /// transaction is left open.
    ///
    /// For the holder's connection:
    /// - the statement timeouts are off, so that neither the server nor a default in the role's
    ///   settings drops the lock under a long migration;
    /// - the server's TCP keepalives and user timeout are on (`DeadPeerDetection`), so that when
    ///   the holder vanishes without closing the connection (a node lost, a partition), the server
    ///   ends the backend, and so releases the lock, within about half a minute instead of the
    ///   kernel's two hours. djinit's own keepalives cannot do that: the client is gone.
    /// In transaction mode these are `SET LOCAL`, so that nothing leaks to other clients of a
    /// pooler (through PgBouncer, PgBouncer's own client keepalives decide instead).
    public func tryAcquire(completion: @escaping (Result<Bool, PostgresError>) -> Void) {
        let timeoutsOff = ["statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"]
            + (mode == .session && connection.serverVersion >= 140000 ? ["idle_session_timeout"] : [])
        let settings = timeoutsOff.map { ($0, "0") } + DeadPeerDetection.serverSettings.map { ($0.name, $0.value) }
        let sql = switch mode {
        case .transaction:
            "BEGIN; " + settings.map { "SET LOCAL \($0.0) = \($0.1); " }.joined()
                + "SELECT pg_try_advisory_xact_lock(\(key.value))"
        case .session:
            settings.map { "SET \($0.0) = \($0.1); " }.joined() + "SELECT pg_try_advisory_lock(\(key.value))"
        }
        connection.query(sql) { [connection, mode] result in
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let rows):
                let held = rows.first?.first == "t"
                guard !held, mode == .transaction else {
                    completion(.success(held))
                    return
                }
                connection.query("ROLLBACK") { result in completion(result.map { _ in false }) }
            }
        }
    }

    /// Who holds the lock now, if anyone (best effort: nil on any error).
    public func currentHolder(completion: @escaping (Holder?) -> Void) {
        let (classID, objectID) = key.halves
        let sql = "SELECT a.pid, coalesce(a.application_name, ''), coalesce(coalesce(a.xact_start, a.backend_start)::text, '') "
            + "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            + "AND l.granted AND l.classid = \(classID) AND l.objid = \(objectID) AND l.objsubid = 1 LIMIT 1"
        connection.query(sql) { result in
            guard case .success(let rows) = result, let row = rows.first, row.count == 3 else {
                completion(nil)
                return
            }
            completion(Holder(pid: row[0] ?? "?", applicationName: row[1] ?? "", since: row[2] ?? ""))
        }
    }

    /// Calls `handler` if the connection holding the lock breaks. Sends nothing while it watches.
    public func watchForLoss(_ handler: @escaping (PostgresError) -> Void) {
        connection.watchForLoss(handler)
    }

    /// Releases the lock (and, in transaction mode, ends the transaction).
    public func release(completion: @escaping (Result<Void, PostgresError>) -> Void) {
        connection.stopWatching()
        let sql = mode == .transaction ? "COMMIT" : "SELECT pg_advisory_unlock(\(key.value))"
        connection.query(sql) { result in completion(result.map { _ in () }) }
    }
}
