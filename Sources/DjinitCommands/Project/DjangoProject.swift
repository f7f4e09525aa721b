import DjinitPosix
import DjinitSettings
import DjinitText

/// Facts about the Django project that djinit reads without starting Python.
enum DjangoProject {
    /// `DJANGO_SETTINGS_MODULE`, else the one `manage.py` (`DJINIT_MANAGE_PY`) sets as its
    /// default; nil if neither says.
    static func settingsModule(_ settings: Settings) -> String? {
        settings[Schema.djangoSettingsModule]
            ?? FileReader.text(of: settings[Schema.managePy]).flatMap(settingsModule(fromManagePy:))
    }

    /// The settings module `manage.py` defaults to, from its
    /// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")` line; nil if there
    /// is no such line.
    static func settingsModule(fromManagePy source: String) -> String? {
        for line in source.split(separator: "\n") where line.contains(substring: "setdefault") {
            let literals = quotedLiterals(in: line)
            if literals.count >= 2, literals[0] == "DJANGO_SETTINGS_MODULE", isModuleName(literals[1]) {
                return literals[1]
            }
        }
        return nil
    }

    /// The package that holds the project's `wsgi.py` and `asgi.py`: the settings module's path
    /// up to its `settings` part (`mysite.settings` and `mysite.settings.production` both give
    /// `mysite`), or without its last part when no part is called `settings`. Nil for a
    /// top-level module, which has no package.
    static func projectPackage(ofSettingsModule module: String) -> String? {
        let parts = module.split(separator: ".")
        let package = parts.firstIndex(of: "settings").map { parts[..<$0] } ?? parts.dropLast()
        return package.isEmpty ? nil : package.joined(separator: ".")
    }

    /// Whether `name` is a dotted Python module path like `mysite.settings`.
    static func isModuleName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard let first = part.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
            return part.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
    }

    /// The contents of the '...' and "..." literals on one line of Python, in order.
    private static func quotedLiterals(in line: Substring) -> [String] {
        var literals: [String] = []
        var rest = line[...]
        while let open = rest.firstIndex(where: { $0 == "\"" || $0 == "'" }) {
            let quote = rest[open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: quote) else { break }
            literals.append(String(rest[afterOpen..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return literals
    }
}
