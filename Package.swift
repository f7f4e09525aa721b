// swift-tools-version: 6.0
//
// djinit: a small PID-1 init and supervisor for Django containers.
//
// The `djinit` executable must stay free of Foundation (directly or through a dependency), NIO and
// threads: it is PID 1 in every container and an exec probe started every few seconds, so it pays
// for every shared library it loads. Each library target below owns one concern; the executable is
// a thin `main` over them.
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "djinit",
    products: [
        .executable(name: "djinit", targets: ["djinit"]),
    ],
    targets: [
        // Linux calls Swift's Glibc module does not import (signalfd, prctl, wait-status macros,
        // the glibc posix_spawn extensions), behind small C functions.
        .target(name: "CDjinitShim"),

        // Thin Swift wrappers over the syscalls: typed errors, EINTR retried, no Foundation.
        .target(name: "DjinitPosix", dependencies: ["CDjinitShim"], swiftSettings: strictSwift),

        // One log line per event, as text or JSON lines.
        .target(name: "DjinitLogging", dependencies: ["DjinitPosix"], swiftSettings: strictSwift),

        // The one typed schema of every setting djinit reads; djinit-kube reads it too.
        .target(name: "DjinitSettings", swiftSettings: strictSwift),

        // Spawn, reap, forward signals, drain the process tree: the PID-1 core.
        .target(
            name: "DjinitSupervisor",
            dependencies: ["CDjinitShim", "DjinitPosix", "DjinitLogging"],
            swiftSettings: strictSwift
        ),

        // The commands (`exec`, `config`, ...) and their command-line parsing.
        .target(
            name: "DjinitCommands",
            dependencies: ["DjinitPosix", "DjinitLogging", "DjinitSettings", "DjinitSupervisor"],
            swiftSettings: strictSwift
        ),

        .executableTarget(
            name: "djinit",
            dependencies: ["DjinitCommands", "DjinitPosix", "DjinitSettings"],
            swiftSettings: strictSwift
        ),

        .testTarget(name: "DjinitLoggingTests", dependencies: ["DjinitLogging"], swiftSettings: strictSwift),
        .testTarget(name: "DjinitSettingsTests", dependencies: ["DjinitSettings"], swiftSettings: strictSwift),
        .testTarget(
            name: "DjinitSupervisorTests",
            dependencies: ["DjinitSupervisor", "DjinitPosix"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "DjinitCommandsTests",
            dependencies: ["DjinitCommands", "DjinitSettings"],
            swiftSettings: strictSwift
        ),
        // Runs the built `djinit` binary as a real PID 1 (or as a subreaper) against real processes.
        .testTarget(
            name: "DjinitEndToEndTests",
            dependencies: ["DjinitSettings"],
            exclude: ["Fixtures"],
            swiftSettings: strictSwift
        ),
    ]
)
