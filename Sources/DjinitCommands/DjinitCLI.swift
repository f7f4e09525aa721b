import DjinitSettings

/// The `djinit` command line: picks the command and hands it its arguments and settings.
public enum DjinitCLI {
    public static let version = "0.1.0"

    /// Runs the command `arguments` name (`arguments[0]` is the program) and returns the exit code.
    ///
    /// The caller must have blocked signals already: see `main.swift`.
    public static func main(_ arguments: [String], environment: Environment) -> Int32 {
        let rest = Array(arguments.dropFirst())
        guard let command = rest.first else {
            Console.error(usage)
            return ExitCode.usage
        }
        let commandArguments = Array(rest.dropFirst())
        switch command {
        case "-h", "--help", "help":
            Console.out(usage)
            return 0
        case "--version", "version":
            Console.out("djinit \(version)\n")
            return 0
        case "config":
            return ConfigCommand.run(commandArguments, environment: environment)
        case "exec":
            do {
                let settings = try Settings(environment: environment)
                return ExecCommand.run(commandArguments, settings: settings)
            } catch {
                Console.error(error.description)
                return ExitCode.usage
            }
        default:
            Console.error("unknown command '\(command)'\n"
                + "to supervise any program, run: djinit exec -- \(([command] + commandArguments).joined(separator: " "))\n"
                + "see: djinit --help")
            return ExitCode.usage
        }
    }

    static var usage: String {
        var text = """
            djinit \(version): PID 1 for Django containers

            usage:
              djinit exec [--] COMMAND [ARGS...]  run COMMAND as the supervised main child
              djinit config [--markdown]          print the effective settings (or the reference table)
              djinit --help | --version

            Settings are environment variables; `djinit config` lists them.

            exit codes:

            """
        for (code, meaning) in ExitCode.documented {
            text += "  " + code + String(repeating: " ", count: 7 - code.count) + meaning + "\n"
        }
        return text
    }
}
