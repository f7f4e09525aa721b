import DjinitSettings
import DjinitText

/// `djinit config [--markdown]`: the effective settings, or the reference table.
enum ConfigCommand {
    static func run(_ arguments: [String], environment: Environment) -> Int32 {
        switch arguments {
        case ["--markdown"]:
            Console.out(SettingsReport.markdownTable())
            return 0
        case []:
            do {
                let settings = try Settings(environment: environment)
                Console.out(SettingsReport.effective(settings))
                return 0
            } catch {
                Console.error(error.description)
                return ExitCode.usage
            }
        default:
            Console.error("config: unexpected argument \(Escaping.quotedValue(arguments[0]))\nusage: djinit config [--markdown]")
            return ExitCode.usage
        }
    }
}
