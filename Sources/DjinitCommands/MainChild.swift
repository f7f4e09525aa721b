import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitSupervisor

extension Supervisor {
    /// Starts `arguments` as the main child, supervises it to the end, and returns the code djinit
    /// exits with: the child's status, or 126/127 when it could not be started.
    ///
    /// - Parameter started: runs once the main child does (to start checks that need its PID).
    func runMainChild(_ arguments: [String], logger: Logger, started: () -> Void = {}) throws(SystemError) -> Int32 {
        do {
            try start(arguments)
        } catch {
            logger.error("spawn-failed", error.description)
            return ExitCode.forSpawnFailure(error)
        }
        started()
        let status = try run()
        logger.info("exit", "exiting", ["code": LogValue(status.exitCode)])
        return status.exitCode
    }
}
