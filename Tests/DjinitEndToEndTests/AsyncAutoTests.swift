import DjinitTestSupport
import Foundation
import Testing

import Glibc

/// `DJINIT_ASYNC=auto` on three small projects written for the test: one with Celery only, one
/// with django-q2 only, one with neither. (The example app has both in its files and picks one at
/// run time, which no reading of files can tell.)
@Suite(.serialized, .needsServices)
struct AsyncAutoTests {
    let directory: URL
    init() throws { directory = try TestPaths.temporaryDirectory() }

    private static let managePy = """
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)

        """

    /// A project `proj` with `settings` and, optionally, `proj/celery.py`.
    private func project(_ name: String, settings: String, celery: String? = nil) throws -> String {
        let root = directory.appendingPathComponent(name)
        let package = root.appendingPathComponent("proj")
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        try Self.managePy.write(to: root.appendingPathComponent("manage.py"), atomically: true, encoding: .utf8)
        try "".write(to: package.appendingPathComponent("__init__.py"), atomically: true, encoding: .utf8)
        let common = """
            import os
            SECRET_KEY = "auto-detection-test"
            USE_TZ = True
            DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(os.path.dirname(__file__), "db.sqlite3")}}
            DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

            """
        try (common + settings).write(to: package.appendingPathComponent("settings.py"), atomically: true, encoding: .utf8)
        if let celery {
            try celery.write(to: package.appendingPathComponent("celery.py"), atomically: true, encoding: .utf8)
        }
        return root.path
    }

    private func start(in project: String, log: String, _ extra: [String: String] = [:]) throws -> DjinitProcess {
        let logDirectory = directory.appendingPathComponent(log)
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        let redis = "redis://127.0.0.1:\(try TestServices.variable("DJTEST_REDIS_PORT"))/15"
        return try DjinitProcess(["async"], environment: [
            "DJINIT_PYTHON": TestServices.python, "DJINIT_PROBE_PORT": String(try FreePort.next()),
            "DJINIT_LOG_LEVEL": "info", "CELERY_BROKER_URL": redis,
        ].merging(extra) { _, new in new }, directory: logDirectory, workingDirectory: project)
    }

    @Test("a Celery project gets a Celery worker")
    func celeryProject() throws {
        let root = try project("celery-only", settings: """
            INSTALLED_APPS = ["django.contrib.contenttypes"]
            # "django_q",  (a comment does not count)
            CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]

            """, celery: """
            import os
            from celery import Celery
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
            app = Celery("proj")
            app.config_from_object("django.conf:settings", namespace="CELERY")

            """)
        let djinit = try start(in: root, log: "celery", ["DJINIT_WORKER_CONCURRENCY": "1",
                                                          "DJINIT_WORKER_ARGS": "--loglevel INFO"])
        try waitUntil("the Celery worker is ready; log:\n\(djinit.log)", timeout: .seconds(60)) { djinit.log.contains(" ready.") }
        #expect(djinit.log.contains("DJINIT_ASYNC=auto chose celery reason=\"found proj/celery.py; proj.settings has CELERY_ settings\""))
        #expect(djinit.log.contains("-m celery -A proj worker --concurrency 1 --loglevel INFO"))
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(djinit.log)")
    }

    @Test("a django-q2 project gets qcluster")
    func djangoQProject() throws {
        let root = try project("django-q-only", settings: """
            INSTALLED_APPS = ["django.contrib.contenttypes", "django_q"]
            Q_CLUSTER = {"name": "auto", "orm": "default", "workers": 1, "timeout": 10, "retry": 20, "poll": 0.2}

            """)
        try TestServices.run(TestServices.python, ["manage.py", "migrate", "--no-input", "-v", "0"],
                             in: URL(fileURLWithPath: root))
        let djinit = try start(in: root, log: "django-q")
        try waitUntil("qcluster runs; log:\n\(djinit.log)", timeout: .seconds(60)) { djinit.log.contains("running.") }
        #expect(djinit.log.contains("DJINIT_ASYNC=auto chose django-q reason=\"proj.settings lists django_q\""))
        #expect(djinit.log.contains("command=\"\(TestServices.python) manage.py qcluster\""))
        djinit.send(SIGTERM)
        #expect(try djinit.waitForExit(timeout: .seconds(40)) == 0, "log:\n\(djinit.log)")
    }

    @Test("a project with neither fails at once, naming DJINIT_ASYNC")
    func neither() throws {
        let root = try project("neither", settings: """
            INSTALLED_APPS = ["django.contrib.contenttypes"]

            """)
        let djinit = try start(in: root, log: "neither")
        #expect(try djinit.waitForExit() == 2)
        #expect(djinit.log.contains("cannot tell which worker to run"))
        #expect(djinit.log.contains("set DJINIT_ASYNC=celery or DJINIT_ASYNC=django-q"))
    }
}
