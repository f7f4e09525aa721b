import DjinitPosix
import DjinitText

/// The task queues `djinit async` can run.
enum WorkerKind: String, Equatable {
    case celery
    case djangoQ = "django-q"
}

/// `DJINIT_ASYNC=auto`: tells Celery from django-q2 by reading the project's files, without
/// starting Python (a second interpreter that imports Django would cost seconds of CPU at every
/// container start).
///
/// What counts, for each:
/// - Celery: a `celery.py` in the project package (where `celery -A mysite` looks), a `Celery(` call
///   in a module of that package, or `CELERY_` settings in the settings module;
/// - django-q2: `django_q` quoted in the settings module (its `INSTALLED_APPS` entry), or a
///   `Q_CLUSTER` setting.
///
/// Commented-out lines do not count. When the project shows both, what is installed where
/// `DJINIT_PYTHON` imports from breaks the tie; when that does not either, or the project shows
/// neither, there is no guess: `DJINIT_ASYNC` must say.
enum AsyncDetection {
    /// What was chosen, and the evidence, for the log.
    struct Decision: Equatable {
        let worker: WorkerKind
        let reason: String
    }

    /// Why nothing was chosen; the message names `DJINIT_ASYNC`.
    struct Undecided: Error, CustomStringConvertible {
        let description: String
    }

    /// What the project's files show.
    struct Evidence: Equatable {
        var celery: [String] = []
        var djangoQ: [String] = []
    }

    /// Decides from the project in `root` (the working directory).
    ///
    /// - Parameters:
    ///   - settingsModule: `DJANGO_SETTINGS_MODULE`, or the one `manage.py` names.
    ///   - packages: where `DJINIT_PYTHON` imports installed packages from.
    static func decide(settingsModule: String?, root: String = ".", packages: PythonPackages) throws(Undecided) -> Decision {
        guard let settingsModule else {
            throw Undecided(description: "async: DJINIT_ASYNC=auto needs the settings module to look at the project: "
                + "set DJANGO_SETTINGS_MODULE (or give manage.py its os.environ.setdefault line), or set DJINIT_ASYNC "
                + "to celery or django-q")
        }
        let evidence = look(settingsModule: settingsModule, root: root)
        let celeryInstalled = packages.contains("celery")
        let djangoQInstalled = packages.contains("django_q")
        switch (evidence.celery.isEmpty, evidence.djangoQ.isEmpty) {
        case (false, true):
            return Decision(worker: .celery, reason: evidence.celery.joined(separator: "; "))
        case (true, false):
            return Decision(worker: .djangoQ, reason: evidence.djangoQ.joined(separator: "; "))
        case (false, false) where celeryInstalled != djangoQInstalled:
            let worker: WorkerKind = celeryInstalled ? .celery : .djangoQ
            let package = celeryInstalled ? "celery" : "django_q"
            let shown = (evidence.celery + evidence.djangoQ).joined(separator: "; ")
            return Decision(worker: worker, reason: "the project shows both (\(shown)), and only \(package) is installed")
        case (false, false):
            throw Undecided(description: "async: cannot tell which worker to run: the project shows Celery ("
                + evidence.celery.joined(separator: "; ") + ") and django-q2 (" + evidence.djangoQ.joined(separator: "; ")
                + "); set DJINIT_ASYNC=celery or DJINIT_ASYNC=django-q")
        case (true, true):
            throw Undecided(description: "async: cannot tell which worker to run: no Celery app (no celery.py or "
                + "Celery( in package '\(projectDirectory(settingsModule))', no CELERY_ settings) and no django_q in "
                + "\(settingsModule); set DJINIT_ASYNC=celery or DJINIT_ASYNC=django-q")
        }
    }

    /// Reads the project package and the settings module for signs of either.
    static func look(settingsModule: String, root: String) -> Evidence {
        var evidence = Evidence()
        let package = projectDirectory(settingsModule)
        let packagePath = root + "/" + package
        if FileStatus.isReadable(packagePath + "/celery.py") {
            evidence.celery.append("found \(package)/celery.py")
        } else if let module = directoryEntries(packagePath).sorted().first(where: { name in
            name.hasSuffix(".py") && code(of: packagePath + "/" + name).contains(substring: "Celery(")
        }) {
            evidence.celery.append("found Celery( in \(package)/\(module)")
        }
        let settings = settingsSources(settingsModule, root: root)
        if settings.contains(where: { $0.text.contains(substring: "CELERY_") }) {
            evidence.celery.append("\(settingsModule) has CELERY_ settings")
        }
        if settings.contains(where: { $0.text.contains(substring: "\"django_q\"") || $0.text.contains(substring: "'django_q'") }) {
            evidence.djangoQ.append("\(settingsModule) lists django_q")
        } else if settings.contains(where: { $0.text.contains(substring: "Q_CLUSTER") }) {
            evidence.djangoQ.append("\(settingsModule) has Q_CLUSTER")
        }
        return evidence
    }

    /// The directory of the settings module's package (`mysite` for `mysite.settings`), or the
    /// working directory for a top-level settings module.
    private static func projectDirectory(_ settingsModule: String) -> String {
        (DjangoProject.projectPackage(ofSettingsModule: settingsModule) ?? ".").split(separator: ".").joined(separator: "/")
    }

    /// `mysite/settings.py`, or every module of a `mysite/settings/` package, without comments.
    private static func settingsSources(_ module: String, root: String) -> [(path: String, text: String)] {
        let base = root + "/" + module.split(separator: ".").joined(separator: "/")
        if FileStatus.isReadable(base + ".py") { return [(base + ".py", code(of: base + ".py"))] }
        return directoryEntries(base).sorted().filter { $0.hasSuffix(".py") }.map { (base + "/" + $0, code(of: base + "/" + $0)) }
    }

    /// A Python file's lines, less the ones that are only a comment.
    private static func code(of path: String) -> String {
        let text = FileReader.text(of: path, limit: 512 * 1024) ?? ""
        return text.split(separator: "\n").filter { line in
            line.first { $0 != " " && $0 != "\t" } != "#"
        }.joined(separator: "\n")
    }

    /// The names in a directory (none if it cannot be read), `.` and `..` left out.
    private static func directoryEntries(_ directory: String) -> [String] {
        DirectoryReader.namesIfAny(in: directory)
    }
}
