// swift-tools-version: 6.0
import PackageDescription

// The benchmarks behind scripts/bench-render, bench-alert, bench-thermometer, bench-instant and bench-fleet
// (docs/benchmarks.md): a package of its own that depends on the project, as swift-nio and
// Hummingbird keep theirs, so the product binary holds only what operators use. The scripts
// build it with `swift build --package-path Benchmarks --scratch-path .build-bench -c release`.
func oshirase(_ module: String) -> Target.Dependency { .product(name: module, package: "Oshirase") }
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

let package = Package(
    name: "OshiraseBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Oshirase", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // What every benchmark shares: the probe output that watches the screen, the loopback
        // HTTP client, loading a card, the phrase model.
        .target(name: "BenchSupport", dependencies: [
            oshirase("OshiraseCore"), oshirase("OshiraseConfig"), oshirase("OshiraseRender"), oshirase("OshiraseDevices"),
            oshirase("OshiraseImaging"), argumentParser,
        ]),
        // Warm in-process rendering of one scene (scripts/bench-render).
        .executableTarget(name: "bench-frame", dependencies: [
            "BenchSupport", oshirase("OshiraseCore"), oshirase("OshiraseRender"), argumentParser,
        ]),
        // Push-to-screen latency and a flood of forged pushes (scripts/bench-alert).
        .executableTarget(name: "bench-alert", dependencies: [
            "BenchSupport", oshirase("OshiraseCore"), oshirase("OshiraseConfig"), oshirase("OshiraseDaemon"),
            oshirase("OshiraseAPI"), oshirase("OshiraseSigning"), oshirase("OshiraseStore"), oshirase("OshiraseDevices"),
            oshirase("OshiraseImaging"), argumentParser, logging, serviceLifecycle,
        ]),
        // Thermometer-to-screen latency through the whole daemon path (scripts/bench-thermometer).
        .executableTarget(name: "bench-thermometer", dependencies: [
            "BenchSupport", oshirase("OshiraseCore"), oshirase("OshiraseConfig"), oshirase("OshiraseDaemon"),
            oshirase("OshiraseDevices"), oshirase("OshiraseImaging"), argumentParser, logging, serviceLifecycle,
        ]),
        // Thousands of light fleet boxes on one machine: the real MQTT wrapper, the box's verifier and
        // CAP reader, receipts, and a box's telemetry (state, thumbnails); no renderer
        // (scripts/bench-fleet).
        .executableTarget(name: "fleet-simulator", dependencies: [
            oshirase("OshiraseMQTT"), oshirase("OshiraseFleet"), oshirase("OshiraseSigning"), oshirase("OshiraseCAP"),
            oshirase("OshiraseCore"), argumentParser,
        ]),
        // ISO 8601 instants: ours against swift-foundation's (scripts/bench-instant).
        .executableTarget(name: "bench-instant", dependencies: [oshirase("OshiraseCore"), argumentParser]),
    ],
    swiftLanguageModes: [.v6]
)

// As in the project's Package.swift: internal imports by default, members only through a module
// the file imports itself.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}
