import DjinitPosix
import DjinitText

/// `djinit install DIR`: copies this djinit binary to `DIR/djinit`.
///
/// The init container that brings djinit into an image built without it runs the djinit image,
/// which holds nothing but the binary: no shell and no `cp`. So djinit copies itself, from
/// `/proc/self/exe`, into the shared emptyDir the app containers then run it from.
enum InstallCommand {
    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count == 1, let directory = arguments.first, directory.hasPrefix("/") else {
            Console.error("install: expected one argument, the absolute path of a directory: djinit install /djinit")
            return ExitCode.usage
        }
        let destination = (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/djinit"
        do {
            try copyFile(from: "/proc/self/exe", to: destination, mode: 0o755)
        } catch {
            Console.error("install: cannot copy djinit to \(Escaping.quotedValue(destination)): \(error)")
            return ExitCode.internalFailure
        }
        Console.out("djinit \(DjinitCLI.version) installed at \(destination)\n")
        return 0
    }
}
