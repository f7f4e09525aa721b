// swift-tools-version: 6.0
//
// libFuzzer targets for the parsers of hostile input: the probe server's request parser, the statsD
// datagrams of run's metrics port, every setting's value parser, URL redaction, and the
// app.yaml/platform.yaml reader with the renderer.
// Built apart from the main package, because every module is compiled with -sanitize=fuzzer
// (each target's main hands over to libFuzzer's driver, FuzzDriver):
//   scripts/fuzz            short runs, as scripts/test does
//   bench/fuzz.sh           long runs, with a table of executions and crashes
import Foundation
import PackageDescription

// The main package is this folder's parent; SwiftPM names a path dependency after its folder.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

let targets = ["FuzzProbeRequest", "FuzzStatsD", "FuzzSettings", "FuzzRedaction", "FuzzKubeInput"]

let package = Package(
    name: "DjinitFuzz",
    products: targets.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(path: root.path)],
    targets: [.target(name: "FuzzDriver", swiftSettings: [.swiftLanguageMode(.v6)])] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzDriver", .product(name: "DjinitParsers", package: root.lastPathComponent)],
            swiftSettings: [.swiftLanguageMode(.v6)])
    }
)
