import DjinitEventLoop
import DjinitLogging
import DjinitPosix
import DjinitSettings
import DjinitSupervisor
import DjinitText

/// `djinit exec [--] COMMAND [ARGS...]`: the general PID-1 supervisor.
///
/// What tini does (forward signals, reap zombies, exit with the child's status) plus a drain of
/// the whole tree: see `Supervisor` for the sequence.
enum ExecCommand {
    static func run(_ arguments: [String], settings: Settings) -> Int32 {
        var command = arguments
        if command.first == "--" { command.removeFirst() }
        guard let first = command.first else {
            Console.error("exec: missing the command to run\nusage: djinit exec [--] COMMAND [ARGS...]")
            return ExitCode.usage
        }
        if first.hasPrefix("-") {
            Console.error("exec: unknown option \(Escaping.quotedValue(first)); put '--' before a command that starts with '-'")
            return ExitCode.usage
        }

        let logger = Logger(settings)
        do {
            let supervisor = try Supervisor(
                loop: EventLoop(), logger: logger, killGrace: settings[Schema.killGrace],
                forwardTarget: settings[Schema.signalTarget] == .group ? .group : .child)
            return try supervisor.runMainChild(command, logger: logger)
        } catch {
            logger.error("internal", "\(error)")
            return ExitCode.internalFailure
        }
    }
}
