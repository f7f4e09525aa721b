@testable import DjinitCommands
import DjinitProbe
import DjinitSettings
import Testing

@Suite struct GunicornLaunchTests {
    private func launch(_ environment: [String: String], module: String? = "example.settings", cpus: Double = 2,
                        statsdPort: UInt16? = nil, extra: [String] = []) throws -> GunicornLaunch {
        try GunicornLaunch.make(settings: try Settings(environment: Environment(environment.map { ($0.key, $0.value) })),
                                settingsModule: module, cpus: cpus, statsdPort: statsdPort, extraArguments: extra)
    }

    @Test("by default: python -m gunicorn on 0.0.0.0:8000, workers from the CPUs, access log to stdout, the WSGI app")
    func defaults() throws {
        let result = try launch([:])
        #expect(result.arguments == ["python", "-m", "gunicorn", "--bind", "0.0.0.0:8000", "--workers", "5",
                                     "--graceful-timeout", "24", "--access-logfile", "-",
                                     "example.wsgi:application"])
        #expect(result.warnings.isEmpty)
        #expect(result.requestsPerWorker == 1 && !result.sendsMetrics)
    }

    @Test("statsD goes to djinit unless the command line names its own host; the access log can be turned off")
    func metricsAndAccessLog() throws {
        let metrics = try launch(["DJINIT_HTTP_ACCESS_LOG": "false"], statsdPort: 40125)
        #expect(metrics.sendsMetrics && metrics.arguments.contains("127.0.0.1:40125"))
        #expect(!metrics.arguments.contains("--access-logfile"))
        let own = try launch([:], statsdPort: 40125, extra: ["--statsd-host=statsd:8125"])
        #expect(!own.sendsMetrics && !own.arguments.contains("127.0.0.1:40125"))
    }

    @Test("a worker's capacity: 1 for sync, --threads for gthread, none for gevent or ASGI",
          arguments: [
              ([], [:], 1), (["--threads", "4"], [:], 4), (["--threads=4", "-k", "gthread"], [:], 4),
              (["--worker-class", "gevent"], [:], nil), ([], ["DJINIT_HTTP_INTERFACE": "asgi"], nil),
          ] as [([String], [String: String], Int?)])
    func capacity(extra: [String], environment: [String: String], requests: Int?) throws {
        #expect(try launch(environment, extra: extra).requestsPerWorker == requests)
    }

    @Test("ASGI uses uvicorn's worker and the asgi module; extra arguments come after djinit's, before the app")
    func asgiAndExtraArguments() throws {
        let result = try launch(["DJINIT_HTTP_INTERFACE": "asgi", "DJINIT_HTTP_PORT": "9000", "DJINIT_HTTP_WORKERS": "3",
                                 "DJINIT_PYTHON": "/venv/bin/python"], extra: ["--max-requests", "1000"])
        #expect(result.arguments == ["/venv/bin/python", "-m", "gunicorn", "--bind", "0.0.0.0:9000", "--workers", "3",
                                     "--graceful-timeout", "24", "--access-logfile", "-",
                                     "--worker-class", "uvicorn_worker.UvicornWorker", "--max-requests", "1000",
                                     "example.asgi:application"])
    }

    @Test("DJINIT_HTTP_APP wins over the settings module; without either, nothing starts")
    func application() throws {
        #expect(try launch(["DJINIT_HTTP_APP": "config.app:app"], module: nil).arguments.last == "config.app:app")
        #expect(throws: RunSetupError.self) { try launch([:], module: nil) }
        #expect(throws: RunSetupError.self) { try launch([:], module: "settings") }
    }

    @Test("the graceful timeout is what the budget leaves after the drain delay; a misfit is a warning",
          arguments: [
              ("30s", "5s", [], 24, false),
              ("10s", "8s", [], 1, false),
              ("10s", "10s", [], 1, true),
              ("30s", "5s", ["--graceful-timeout", "60"], 60, true),
              ("30s", "5s", ["--graceful-timeout=10"], 10, false),
          ] as [(String, String, [String], Int, Bool)])
    func budget(grace: String, delay: String, extra: [String], timeout: Int, warns: Bool) throws {
        let result = try launch(["DJINIT_GRACE": grace, "DJINIT_DRAIN_DELAY": delay], extra: extra)
        #expect(result.gracefulTimeoutSeconds == timeout)
        #expect(result.warnings.isEmpty == !warns, "\(result.warnings)")
    }

    @Test("the default worker count is 2 x CPUs + 1 from the CPU limit, at least 2",
          arguments: [(0.25, 2), (0.5, 2), (1, 3), (1.5, 4), (2, 5), (8, 17)] as [(Double, Int)])
    func workers(cpus: Double, workers: Int) {
        #expect(GunicornLaunch.defaultWorkers(cpus: cpus) == workers)
    }
}

@Suite struct DjangoProjectTests {
    @Test("the settings module comes from manage.py's setdefault line, in either quotes")
    func settingsModule() {
        #expect(DjangoProject.settingsModule(fromManagePy: """
            def main():
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
            """) == "example.settings")
        #expect(DjangoProject.settingsModule(fromManagePy: "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.prod')")
            == "config.settings.prod")
        #expect(DjangoProject.settingsModule(fromManagePy: "os.environ.setdefault('OTHER', 'x.y')") == nil)
        #expect(DjangoProject.settingsModule(fromManagePy: "os.environ.setdefault('DJANGO_SETTINGS_MODULE', f'{x}')") == nil)
    }

    @Test("the project package is the settings module's path up to 'settings'", arguments: [
        ("example.settings", "example"), ("config.settings.production", "config"), ("mysite.conf", "mysite"),
        ("a.b.settings", "a.b"), ("settings", nil),
    ] as [(String, String?)])
    func projectPackage(module: String, package: String?) {
        #expect(DjangoProject.projectPackage(ofSettingsModule: module) == package)
    }
}

@Suite struct ProbeCommandTests {
    @Test("probe takes exactly one of live, ready, startup")
    func arguments() {
        #expect(DjinitCLI.main(["djinit", "probe"], environment: [:]) == ExitCode.usage)
        #expect(DjinitCLI.main(["djinit", "probe", "metrics"], environment: [:]) == ExitCode.usage)
        #expect(DjinitCLI.main(["djinit", "probe", "live", "ready"], environment: [:]) == ExitCode.usage)
    }
}

@Suite struct RequestMetricsTests {
    private func record(_ lines: [String]) -> RequestMetrics {
        var metrics = RequestMetrics()
        for line in lines { StatsDMetric(Array(line.utf8)[...]).map { metrics.record($0) } }
        return metrics
    }

    @Test("status codes count by class, a sample rate scales a count, and a --statsd-prefix is allowed")
    func statusClasses() {
        let metrics = record(["gunicorn.request.status.200:1|c", "shop.gunicorn.request.status.204:1|c",
                              "gunicorn.request.status.503:1|c|@0.5", "gunicorn.requests:1|c",
                              "gunicorn.request.status.600:1|c", "gunicorn.request.status.20:1|c",
                              "xgunicorn.request.status.200:1|c", "gunicorn.request.status.200:1|g"])
        #expect(metrics.byStatusClass == [0, 2, 0, 0, 2])
    }

    @Test("durations in ms fill the buckets in seconds; a slower one than the last bound only counts")
    func durations() {
        let metrics = record(["gunicorn.request.duration:3|ms", "gunicorn.request.duration:300|ms",
                              "shop.gunicorn.request.duration:20000|ms", "gunicorn.request.duration:5|c"])
        #expect(metrics.durationCount == 3)
        #expect(abs(metrics.durationSum - 20.303) < 1e-9)
    }
}
