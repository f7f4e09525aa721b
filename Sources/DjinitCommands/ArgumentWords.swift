extension String {
    /// The text split on spaces, empty pieces dropped: how `DJINIT_MIGRATE_ARGS`,
    /// `DJINIT_WORKER_ARGS` and the other `*_ARGS` settings list arguments.
    var argumentWords: [String] { split(separator: " ").map(String.init) }
}
