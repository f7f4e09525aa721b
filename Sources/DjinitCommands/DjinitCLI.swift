import DjinitLogging
import DjinitSettings
import DjinitText

/// The `djinit` command line: picks the command and hands it its arguments and settings.
public enum DjinitCLI {
    public static let version = Release.current.description

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
        case "init", "/init":
            return withSettings(environment) { settings in
                InitCommand.run(commandArguments, settings: settings, environment: environment)
            }
        case "exec":
            return withSettings(environment) { settings in ExecCommand.run(commandArguments, settings: settings) }
        case "run", "/run":
            return withSettings(environment) { settings in RunCommand.run(commandArguments, settings: settings) }
        case "async", "/async":
            return withSettings(environment) { settings in
                AsyncCommand.run(commandArguments, settings: settings, environment: environment)
            }
        case "beat", "/beat":
            return withSettings(environment) { settings in BeatCommand.run(commandArguments, settings: settings) }
        case "probe":
            return withSettings(environment) { settings in ProbeCommand.run(commandArguments, settings: settings) }
        case "install":
            // No settings: it runs in an init container with none, and needs none.
            return InstallCommand.run(commandArguments)
        default:
            Console.error("unknown command \(Escaping.quotedValue(command))\n"
                + "to supervise any program, run: djinit exec -- \(([command] + commandArguments).joined(separator: " "))\n"
                + "see: djinit --help")
            return ExitCode.usage
        }
    }

    /// Runs `command` with the settings `environment` gives, after loading `DJINIT_SECRETS_DIR`
    /// into it; bad settings or an unusable secret are a usage error and nothing runs.
    private static func withSettings(_ environment: Environment, _ command: (Settings) -> Int32) -> Int32 {
        let settings: Settings
        do throws(SettingsError) {
            let given = try Settings(environment: environment)
            // Most starts (every exec probe among them) have no secrets directory: read once.
            // (Asked by name: reading the typed `AbsolutePath?` value here would cost a run-time
            // conformance lookup on every start.)
            guard given.source(of: Schema.secretsDir.name) == .environment else { return command(given) }
            let withSecrets: Environment
            do {
                withSecrets = try SecretsDirectory.apply(to: environment, settings: given, logger: Logger(given))
            } catch {
                Console.error(error.description)
                return ExitCode.usage
            }
            settings = try Settings(environment: withSecrets)
        } catch {
            Console.error(error.description)
            return ExitCode.usage
        }
        return command(settings)
    }

    static var usage: String {
        var text = """
            djinit \(version): PID 1 for Django containers

            usage:
              djinit init                         wait for PostgreSQL, migrate under a lock, collectstatic
              djinit exec [--] COMMAND [ARGS...]  run COMMAND as the supervised main child
              djinit run [--] [GUNICORN ARGS...]  serve the Django app with gunicorn, probes and a drain
              djinit async [--] [WORKER ARGS...]  run the Celery or django-q2 worker (and one beat), with probes
              djinit beat [--] [COMMAND...]       run one scheduler cluster-wide, under a lock, with probes
              djinit probe live|ready|startup     ask the probe server (run, async); exit 0 on 200
              djinit install DIR                  copy this djinit to DIR/djinit (an init container, for images without it)
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
