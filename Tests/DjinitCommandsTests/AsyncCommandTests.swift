@testable import DjinitCommands
import DjinitSettings
import Foundation
import Testing

@Suite struct WorkerLaunchTests {
    private func launch(_ worker: WorkerKind, _ environment: [String: String], cpus: Double = 2,
                        extra: [String] = []) throws -> WorkerLaunch {
        try WorkerLaunch.make(worker: worker, settings: try Settings(environment: Environment(environment.map { ($0.key, $0.value) })),
                              settingsModule: "example.settings", cpus: cpus, extraArguments: extra)
    }

    @Test("Celery: python -m celery -A <project package> worker, concurrency from the CPU limit rounded up")
    func celeryDefaults() throws {
        #expect(try launch(.celery, [:], cpus: 1.5).arguments
            == ["python", "-m", "celery", "-A", "example", "worker", "--concurrency", "2"])
        #expect(try launch(.celery, [:], cpus: 0.25).arguments.suffix(2) == ["--concurrency", "1"])
        #expect(try launch(.celery, [:]).beatArguments == nil)
    }

    @Test("Celery options: app, concurrency, pool, queues, then DJINIT_WORKER_ARGS, then the command line's")
    func celeryOptions() throws {
        let result = try launch(.celery, ["DJINIT_CELERY_APP": "proj.tasks", "DJINIT_WORKER_CONCURRENCY": "8",
                                          "DJINIT_WORKER_POOL": "threads", "DJINIT_WORKER_QUEUES": "high,low",
                                          "DJINIT_WORKER_ARGS": "--loglevel INFO", "DJINIT_PYTHON": "/venv/bin/python"],
                                extra: ["--without-gossip"])
        #expect(result.arguments == ["/venv/bin/python", "-m", "celery", "-A", "proj.tasks", "worker", "--concurrency", "8",
                                     "--pool", "threads", "--queues", "high,low", "--loglevel", "INFO", "--without-gossip"])
    }

    @Test("gevent and solo pools get no CPU-based concurrency")
    func poolsWithoutConcurrency() throws {
        #expect(try launch(.celery, ["DJINIT_WORKER_POOL": "gevent"]).arguments.suffix(2) == ["--pool", "gevent"])
        #expect(try launch(.celery, ["DJINIT_WORKER_POOL": "solo"]).arguments.contains("--concurrency") == false)
    }

    @Test("beat: celery beat with its schedule in /tmp, overridable by DJINIT_BEAT_ARGS")
    func beat() throws {
        let result = try launch(.celery, ["DJINIT_BEAT": "true", "DJINIT_BEAT_ARGS": "--schedule /data/beat"])
        #expect(result.beatArguments == ["python", "-m", "celery", "-A", "example", "beat", "--schedule",
                                         "/tmp/celerybeat-schedule", "--schedule", "/data/beat"])
    }

    @Test("django-q2: manage.py qcluster; beat is refused, Celery-only settings are warnings")
    func djangoQ() throws {
        let result = try launch(.djangoQ, ["DJINIT_WORKER_CONCURRENCY": "4", "DJINIT_WORKER_ARGS": "-n second"])
        #expect(result.arguments == ["python", "manage.py", "qcluster", "-n", "second"])
        #expect(result.warnings.count == 1 && result.warnings[0].contains("DJINIT_WORKER_CONCURRENCY"))
        #expect(throws: AsyncSetupError.self) { try launch(.djangoQ, ["DJINIT_BEAT": "true"]) }
    }

    @Test("a worker grace that does not fit in DJINIT_GRACE is a warning")
    func graceWarning() throws {
        #expect(try launch(.celery, [:]).warnings.isEmpty)
        #expect(try launch(.celery, ["DJINIT_WORKER_GRACE": "30s"]).warnings.count == 1)
    }
}

@Suite struct AsyncDetectionTests {
    private func project(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("djinit-detect-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root.path
    }

    private func decide(_ files: [String: String], sitePackages: [String] = [],
                        module: String = "mysite.settings") throws(AsyncDetection.Undecided) -> AsyncDetection.Decision {
        let root = try! project(files)
        return try AsyncDetection.decide(settingsModule: module, root: root, packages: PythonPackages(directories: sitePackages))
    }

    @Test("Celery from a celery.py, a Celery( call or CELERY_ settings")
    func celery() throws {
        #expect(try decide(["mysite/celery.py": "app = Celery('mysite')\n", "mysite/settings.py": ""]).worker == .celery)
        #expect(try decide(["mysite/tasks_app.py": "app = Celery('x')\n", "mysite/settings.py": ""]).reason
            == "found Celery( in mysite/tasks_app.py")
        #expect(try decide(["mysite/settings.py": "CELERY_BROKER_URL = 'redis://'\n"]).reason
            == "mysite.settings has CELERY_ settings")
    }

    @Test("django-q2 from django_q in the settings, also in a settings package; comments do not count")
    func djangoQ() throws {
        #expect(try decide(["mysite/settings.py": "INSTALLED_APPS = ['django_q']\n"]).worker == .djangoQ)
        #expect(try decide(["mysite/settings/base.py": "INSTALLED_APPS = [\n    \"django_q\",\n]\n",
                            "mysite/settings/__init__.py": ""]).reason == "mysite.settings lists django_q")
        #expect(throws: AsyncDetection.Undecided.self) {
            try decide(["mysite/settings.py": "INSTALLED_APPS = [\n    # 'django_q',\n]\n"])
        }
    }

    @Test("both: what is installed decides; if both are, DJINIT_ASYNC must")
    func both() throws {
        let files = ["mysite/celery.py": "", "mysite/settings.py": "INSTALLED_APPS = ['django_q']\n"]
        let sitePackages = try project(["celery/__init__.py": ""])
        #expect(try decide(files, sitePackages: [sitePackages]).worker == .celery)
        let both = try project(["celery/__init__.py": "", "django_q/__init__.py": ""])
        #expect {
            try decide(files, sitePackages: [both])
        } throws: { error in
            (error as? AsyncDetection.Undecided)?.description.contains("set DJINIT_ASYNC=celery or DJINIT_ASYNC=django-q") == true
        }
    }

    @Test("site-packages of a virtualenv's python, unresolved")
    func sitePackages() throws {
        let venv = try project(["lib/python3.11/site-packages/celery/__init__.py": "", "bin/python": ""])
        let found = PythonPackages(python: venv + "/bin/python", environment: Environment([("PYTHONPATH", "/extra")]))
        #expect(found.directories.contains(venv + "/lib/python3.11/site-packages"))
        #expect(found.directories.contains("/extra"))
        #expect(found.contains("celery"))
    }
}

@Suite struct WorkerHeartbeatTests {
    @Test("reads the state and the main thread's voluntary context switches from /proc")
    func readsProc() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("djinit-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("42/task/42"), withIntermediateDirectories: true)
        try "Name:\tcelery\nState:\tT (stopped)\nvoluntary_ctxt_switches:\t1234\nnonvoluntary_ctxt_switches:\t5\n"
            .write(to: root.appendingPathComponent("42/status"), atomically: true, encoding: .utf8)
        try "57 43 \n".write(to: root.appendingPathComponent("42/task/42/children"), atomically: true, encoding: .utf8)
        let reading = try #require(WorkerHeartbeat.read(42, procRoot: root.path))
        #expect(reading.state == "T" && reading.wakeUps == 1234)
        #expect(WorkerHeartbeat.read(43, procRoot: root.path) == nil)
        #expect(WorkerHeartbeat.firstChild(of: 42, procRoot: root.path) == 43)
    }

    @Test("a Redis PING with AUTH, SELECT and each queue's LLEN is sent as RESP arrays")
    func redisRequest() throws {
        let url = try BrokerURL("redis://app:p%20w@redis:6379/2")
        #expect(String(decoding: RedisCheck.request(RedisCheck.commands(for: url, queues: [])), as: UTF8.self)
            == "*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$3\r\np w\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*1\r\n$4\r\nPING\r\n")
        let plain = RedisCheck.commands(for: try BrokerURL("redis://redis/0"), queues: ["mail"])
        #expect(plain.map { $0[0] } == ["PING", "LLEN", "LLEN", "LLEN", "LLEN"])
        #expect(plain.dropFirst().map { $0[1] } == ["mail", "mail\u{06}\u{16}3", "mail\u{06}\u{16}6", "mail\u{06}\u{16}9"])
    }

    @Test("the replies: PING must be +PONG; each queue sums its priority lists; a failed LLEN counts nothing")
    func redisVerdict() throws {
        let commands = RedisCheck.commands(for: try BrokerURL("redis://redis"), queues: ["a", "b"])
        let good = RedisCheck.verdict(["+PONG", ":3", ":1", ":0", ":0", ":2", "-WRONGTYPE", ":0", ":0"], commands: commands, queues: ["a", "b"])
        let queues = try good.get()
        #expect(queues.map(\.name) == ["a", "b"] && queues.map(\.length) == [4, 2])
        #expect(throws: RedisCheck.Failure.self) {
            try RedisCheck.verdict(["-LOADING Redis is loading"], commands: commands, queues: ["a", "b"]).get()
        }
    }
}
