/// The exit codes djinit itself chooses. Otherwise djinit exits with its main child's code, or
/// 128 + N when the child was killed by signal N, as a shell reports it.
public enum ExitCode {
    /// djinit itself failed: a system call it cannot do without (signalfd, poll) failed.
    public static let internalFailure: Int32 = 1
    /// Bad command line or bad settings: nothing was started.
    public static let usage: Int32 = 2
    /// The command exists but cannot be executed (permissions, a directory, not a program).
    public static let notExecutable: Int32 = 126
    /// The command was not found (no such file, or not on `PATH`).
    public static let notFound: Int32 = 127

    /// Every code above with its meaning, for `djinit --help` and the README.
    public static let documented: [(code: String, meaning: String)] = [
        ("0", "the command succeeded (or djinit exited with its main child's code 0)"),
        ("1", "djinit itself failed (a system call it needs failed); the message says which"),
        ("2", "bad command line or settings: the message names the argument or variable"),
        ("126", "the command exists but is not executable"),
        ("127", "the command was not found"),
        ("128+N", "the main child was killed by signal N (143 for SIGTERM, 137 for SIGKILL)"),
        ("other", "the main child's own exit code"),
    ]
}
