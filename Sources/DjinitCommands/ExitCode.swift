import DjinitPosix

/// The exit codes djinit itself chooses. Otherwise djinit exits with its main child's code, or
/// 128 + N when the child was killed by signal N, as a shell reports it.
public enum ExitCode {
    /// djinit itself failed: a system call it cannot do without (signalfd, poll) failed.
    public static let internalFailure: Int32 = 1
    /// Bad command line or bad settings: nothing was started.
    public static let usage: Int32 = 2
    /// `init`: PostgreSQL did not accept a login as a writable primary within `DJINIT_WAIT_TIMEOUT`.
    public static let databaseTimeout: Int32 = 3
    /// `init`: PostgreSQL rejected the login (wrong password, unknown role): waiting cannot fix it.
    public static let loginRejected: Int32 = 4
    /// `init`: `migrate`, `collectstatic` or an init command failed (its own output says why).
    public static let stepFailed: Int32 = 5
    /// `init`: the connection holding the migration lock broke while `migrate` ran.
    public static let lockLost: Int32 = 6
    /// The command exists but cannot be executed (permissions, a directory, not a program).
    public static let notExecutable: Int32 = 126
    /// The command was not found (no such file, or not on `PATH`).
    public static let notFound: Int32 = 127

    /// The code for a main child that could not be started, as a shell would report it.
    public static func forSpawnFailure(_ error: SpawnError) -> Int32 {
        switch error {
        case .notFound: notFound
        case .notExecutable: notExecutable
        case .failed: internalFailure
        }
    }

    /// Every code above with its meaning, for `djinit --help` and the README.
    public static let documented: [(code: String, meaning: String)] = [
        ("0", "the command succeeded (or djinit exited with its main child's code 0)"),
        ("1", "djinit itself failed (a system call it needs failed); the message says which"),
        ("2", "bad command line or settings: the message names the argument or variable"),
        ("3", "init: PostgreSQL was not ready within DJINIT_WAIT_TIMEOUT; the message gives the last reason"),
        ("4", "init: PostgreSQL rejected the login (wrong password, unknown role)"),
        ("5", "init: migrate, collectstatic or an init command failed"),
        ("6", "init: the migration lock's connection broke while migrate ran"),
        ("126", "the command exists but is not executable"),
        ("127", "the command was not found (for init: also manage.py)"),
        ("128+N", "the main child was killed by signal N (143 for SIGTERM, 137 for SIGKILL)"),
        ("other", "the main child's own exit code"),
    ]
}
