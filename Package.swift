// swift-tools-version: 6.0
//
// djinit: a small PID-1 init and supervisor for Django containers.
//
// Linux only: djinit is built on signalfd, prctl, /proc and glibc's posix_spawn extensions, and
// its code calls the C library (through CDjinitShim) without platform guards.
//
// The `djinit` executable must stay free of Foundation (directly or through a dependency), NIO and
// threads: it is PID 1 in every container and an exec probe started every few seconds, so it pays
// for every shared library it loads. Each library target below owns one concern; the executable is
// a thin `main` over them.
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

// What the package holds. The djinit executable depends on no other package: with
// DJINIT_PACKAGE=djinit (the release build, docker/Dockerfile's build stage) the package is
// djinit's targets alone, with nothing to resolve, so an image builds where no Git host can be
// reached. DJINIT_PACKAGE=djinit-kube adds djinit-kube and its two dependencies, without the
// tests (the Dockerfile's djinit-kube stage). Unset, it is the whole package.
enum Part { case djinit, kube, tests }
let parts: Set<Part> = switch Context.environment["DJINIT_PACKAGE"] {
case "djinit": [.djinit]
case "djinit-kube": [.djinit, .kube]
default: [.djinit, .kube, .tests]
}

// The release build of djinit (DJINIT_PACKAGE=djinit, through scripts/build-release) is Embedded
// Swift: the standard library compiled into the binary as far as djinit uses it, without the
// Swift runtime's metadata, reflection and conformance tables. Against the full runtime it
// executes 83,000 instructions to start instead of 219,000, in 5.9 MB instead of 10.1 MB (issue
// 14, bench/pid1.sh). The debug
// build, which the tests import, is ordinary Swift; the end-to-end tests run the release binary
// too (scripts/test). Embedded Swift has no Glibc module, no key paths and no dynamic casts:
// djinit's modules reach the C library through CDjinitShim and do without the other two.
let embedded = parts == [.djinit]

// djinit's own modules do without the two modules Swift imports implicitly: a single use of
// `ContinuousClock` links all of _Concurrency and libdispatch (0.55 MB), and a single
// `String.contains(_:)` all of _StringProcessing and its regex parser (1.2 MB), into a binary that
// runs no tasks and no regexes (issue 14: the stripped size). Without the implicit imports, such a
// use does not compile, in the debug build either.
let pid1Swift: [SwiftSetting] = strictSwift + [
    .unsafeFlags(["-Xfrontend", "-disable-implicit-concurrency-module-import",
                  "-Xfrontend", "-disable-implicit-string-processing-module-import"]),
] + (embedded ? [.enableExperimentalFeature("Embedded"), .unsafeFlags(["-wmo"])] : [])

let djinitTargets: [Target] = [
    // The C library's headers, and the Linux calls Swift cannot call (signalfd, prctl, the
    // wait-status macros, the glibc posix_spawn extensions) behind small C functions. In both
    // builds every djinit module reaches the C library through it (Embedded Swift has no Glibc
    // module), and so links libm here, as Glibc's module did.
    .target(name: "CDjinitShim", linkerSettings: [.linkedLibrary("m")]),

    // The one rule for writing outside text into YAML, JSON, log lines and messages.
    .target(name: "DjinitText", swiftSettings: pid1Swift),

    // Thin Swift wrappers over the syscalls, every one through `syscall`: EINTR retried,
    // would-block a value, errors typed. The only module that calls the C library.
    .target(name: "DjinitPosix", dependencies: ["CDjinitShim"], swiftSettings: pid1Swift),

    // The one event loop (poll, timers) everything after start-up runs on, and the rule for
    // who keeps a callback's object alive.
    .target(name: "DjinitEventLoop", dependencies: ["CDjinitShim", "DjinitPosix"], swiftSettings: pid1Swift),

    // One log line per event, as text or JSON lines.
    .target(name: "DjinitLogging", dependencies: ["DjinitPosix", "DjinitText"], swiftSettings: pid1Swift),

    // The one typed schema of every setting djinit reads; djinit-kube reads it too. A database
    // URL is read by libpq's own parser (PQconninfoParse), never by a hand-written split.
    .target(name: "DjinitSettings", dependencies: ["CLibPQ", "DjinitPosix", "DjinitText"], swiftSettings: pid1Swift),

    // libpq: Debian's libpq.so in debug builds, a static libpq in the release build
    // (scripts/build-libpq). No pkg-config on purpose: its `-L/usr/lib/x86_64-linux-gnu` would
    // come before the release build's own folder and pull in Debian's libpq.a, which needs
    // GSSAPI and LDAP. The header finds libpq-fe.h under /usr/include/postgresql by itself.
    .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),

    // PostgreSQL access on djinit's event loop: connect, query, errors with SQLSTATE.
    .target(
        name: "DjinitPostgres",
        dependencies: ["CLibPQ", "DjinitEventLoop", "DjinitPosix", "DjinitSettings", "DjinitText"],
        swiftSettings: pid1Swift
    ),

    // Spawn, reap, forward signals, drain the process tree: the PID-1 core.
    .target(
        name: "DjinitSupervisor",
        dependencies: ["CDjinitShim", "DjinitEventLoop", "DjinitLogging", "DjinitPosix"],
        swiftSettings: pid1Swift
    ),

    // The probe server and the non-blocking HTTP checks, on the event loop.
    .target(
        name: "DjinitProbe",
        dependencies: ["DjinitEventLoop", "DjinitLogging", "DjinitPosix"],
        swiftSettings: pid1Swift
    ),

    // The commands (`exec`, `config`, ...) and their command-line parsing.
    .target(
        name: "DjinitCommands",
        dependencies: ["CDjinitShim", "DjinitEventLoop", "DjinitLogging", "DjinitPosix", "DjinitPostgres", "DjinitProbe",
                       "DjinitSettings", "DjinitSupervisor", "DjinitText"],
        swiftSettings: pid1Swift
    ),

    .executableTarget(
        name: "djinit",
        dependencies: ["DjinitCommands", "DjinitPosix", "DjinitSettings"] + (embedded ? ["CDjinitEmbedded"] : []),
        swiftSettings: pid1Swift,
        // Embedded: one static file, as the full-runtime build is with -static-executable; libpq
        // and OpenSSL named here, since Embedded Swift does not autolink what CLibPQ's module map
        // names; and the Unicode tables the standard library's character properties read
        // (scripts/build-release passes the folder that holds them).
        linkerSettings: embedded ? [
            .unsafeFlags(["-Xclang-linker", "-static", "-Xclang-linker", "-no-pie"]),
            .linkedLibrary("pq"), .linkedLibrary("ssl"), .linkedLibrary("crypto"),
            .linkedLibrary("swiftUnicodeDataTables"),
        ] : []
    ),
] + (embedded ? [
    // What the full Swift runtime provides and Embedded Swift leaves to the platform.
    .target(name: "CDjinitEmbedded"),
] : [])

let kubeTargets: [Target] = [
    // djinit-kube's inputs (app.yaml, platform.yaml), their validation, and the Kubernetes
    // objects rendered from them. Foundation and Yams are fine here: this never runs as PID 1.
    .target(
        name: "DjinitKubeModel",
        dependencies: ["DjinitSettings", "DjinitText", .product(name: "Yams", package: "Yams")],
        swiftSettings: strictSwift
    ),

    .executableTarget(
        name: "djinit-kube",
        dependencies: ["DjinitKubeModel", "DjinitSettings", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: strictSwift
    ),
]

let testTargets: [Target] = [
    // What the test targets share: the repository's paths and tools, running programs.
    .target(name: "DjinitTestSupport", path: "Tests/DjinitTestSupport", swiftSettings: strictSwift),
    .testTarget(name: "DjinitTextTests", dependencies: ["DjinitText"], swiftSettings: strictSwift),
    .testTarget(name: "DjinitPostgresTests", dependencies: ["DjinitPostgres"], swiftSettings: strictSwift),
    .testTarget(name: "DjinitPosixTests", dependencies: ["DjinitPosix", "DjinitTestSupport"], swiftSettings: strictSwift),
    .testTarget(name: "DjinitProbeTests", dependencies: ["DjinitEventLoop", "DjinitProbe", "DjinitTestSupport"],
                swiftSettings: strictSwift),
    .testTarget(name: "DjinitLoggingTests", dependencies: ["DjinitLogging"], swiftSettings: strictSwift),
    .testTarget(name: "DjinitSettingsTests", dependencies: ["DjinitSettings"], swiftSettings: strictSwift),
    .testTarget(
        name: "DjinitSupervisorTests",
        dependencies: ["DjinitEventLoop", "DjinitPosix", "DjinitSupervisor"],
        swiftSettings: strictSwift
    ),
    .testTarget(
        name: "DjinitCommandsTests",
        dependencies: ["DjinitCommands", "DjinitProbe", "DjinitSettings"],
        swiftSettings: strictSwift
    ),
    .testTarget(
        name: "DjinitKubeModelTests",
        dependencies: ["DjinitKubeModel", "DjinitSettings", "DjinitTestSupport", "DjinitText",
                       .product(name: "Yams", package: "Yams")],
        // Inputs and expected output, read through #filePath so that a regeneration
        // (UPDATE_GOLDEN=1) writes them back to the source tree.
        exclude: ["Golden"],
        swiftSettings: strictSwift
    ),
    // Runs the built `djinit-kube` binary, and checks its golden output with kubectl,
    // kubernetes-validate and checkov.
    .testTarget(name: "DjinitKubeEndToEndTests", dependencies: ["DjinitSettings", "DjinitTestSupport"], exclude: ["Fixtures"],
                swiftSettings: strictSwift),
    // Runs the built `djinit` binary as a real PID 1 (or as a subreaper) against real processes.
    .testTarget(
        name: "DjinitEndToEndTests",
        dependencies: ["DjinitSettings", "DjinitTestSupport"],
        exclude: ["Fixtures"],
        swiftSettings: strictSwift
    ),
]

let package = Package(
    name: "djinit",
    products: [.executable(name: "djinit", targets: ["djinit"])] + (parts.contains(.kube) ? [
        .executable(name: "djinit-kube", targets: ["djinit-kube"]),
        // For the fuzz targets (Fuzz/Package.swift), which are built apart with -sanitize=fuzzer.
        .library(name: "DjinitParsers", targets: ["DjinitProbe", "DjinitSettings", "DjinitKubeModel"]),
    ] : []),
    dependencies: parts.contains(.kube) ? [
        // djinit-kube only: the djinit executable depends on neither.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ] : [],
    targets: djinitTargets + (parts.contains(.kube) ? kubeTargets : []) + (parts.contains(.tests) ? testTargets : [])
)
