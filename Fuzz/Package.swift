// swift-tools-version: 6.0
import PackageDescription

// libFuzzer harnesses, one executable per parser that takes outside bytes (docs/reliability.md).
// A package of its own, as swift-nio keeps its benchmarks, so the product builds without them;
// `scripts/fuzz` builds it with `-sanitize=fuzzer,address` in `.build-fuzz`.
//
// Each harness exports `LLVMFuzzerTestOneInput` and, as top-level code, hands the process to
// libFuzzer's driver (`LLVMFuzzerRunDriver`, see FuzzSupport): SwiftPM names an executable
// module's entry point itself and links `main` to it, so libFuzzer's own `main` is never used.
let formats: [Target.Dependency] = [.product(name: "OshiraseConfig", package: "Oshirase")]
let cap: [Target.Dependency] = [.product(name: "OshiraseCAP", package: "Oshirase")]
let imaging: [Target.Dependency] = [.product(name: "OshiraseImaging", package: "Oshirase")]

/// One harness per entry point; `scripts/fuzz` runs them by these names.
let harnesses: [(name: String, dependencies: [Target.Dependency])] = [
    ("playlist", formats),         // playlist YAML: PlaylistLoader with its limits
    ("site-config", formats),      // the daemon's config: SiteConfigLoader
    ("sensor-scenario", formats),  // simulated thermometer scenarios: SensorScenarioLoader
    ("cap", cap),                  // CAP 1.2: the XML reader and the standard's validation
    ("feed", cap),                 // an alert feed's answer: FeedDocument (Atom index or CAP)
    ("push", [.product(name: "OshiraseSigning", package: "Oshirase")]),  // the signed envelope: PushVerifier
    ("jpeg", imaging),             // ImageDecoder on JPEG, with the pixel limit
    ("png", imaging),              // ImageDecoder on PNG, with the pixel limit
    ("exif", imaging),             // ExifReader: JPEG markers and TIFF
    ("gymcu90614", [.product(name: "OshiraseDevices", package: "Oshirase")]),  // the thermometer's byte stream
]

let package = Package(
    name: "OshiraseFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Oshirase", path: ".."),
    ],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
    ] + harnesses.map { harness in
        .executableTarget(name: "fuzz-\(harness.name)", dependencies: ["FuzzSupport"] + harness.dependencies,
                          path: "Sources/\(harness.name)")
    },
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
