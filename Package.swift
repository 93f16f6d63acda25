// swift-tools-version: 6.0
import PackageDescription

// Every Swift target: an import is internal unless written `public import` (so a module's public
// surface says which modules it exposes), and members are visible only through modules the file
// imports itself, as Hummingbird builds.
let surface: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Oshirase",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "oshirase", targets: ["oshirase"]),
        // For the nested packages Fuzz/ (the parsers of outside bytes) and Benchmarks/ (the
        // daemon's paths, timed): they depend on this one through "..".
        .library(name: "OshiraseCore", targets: ["OshiraseCore"]),
        .library(name: "OshiraseConfig", targets: ["OshiraseConfig"]),
        .library(name: "OshiraseCAP", targets: ["OshiraseCAP"]),
        .library(name: "OshiraseSigning", targets: ["OshiraseSigning"]),
        .library(name: "OshiraseImaging", targets: ["OshiraseImaging"]),
        .library(name: "OshiraseDevices", targets: ["OshiraseDevices"]),
        .library(name: "OshiraseRender", targets: ["OshiraseRender"]),
        .library(name: "OshiraseStore", targets: ["OshiraseStore"]),
        .library(name: "OshiraseDaemon", targets: ["OshiraseDaemon"]),
        .library(name: "OshiraseAPI", targets: ["OshiraseAPI"]),
        .library(name: "OshiraseMQTT", targets: ["OshiraseMQTT"]),
        .library(name: "OshiraseFleet", targets: ["OshiraseFleet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // C libraries, each wrapped once.
        .systemLibrary(name: "CPangoCairo", pkgConfig: "pangocairo",
                       providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode",
                       providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CDRM", pkgConfig: "libdrm",
                       providers: [.apt(["libdrm-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto",
                       providers: [.apt(["libmosquitto-dev"])]),
        // Linux kernel interfaces Swift cannot import directly: fbdev and console ioctls, inotify.
        .systemLibrary(name: "CLinuxDevices"),
        // The build date, the earliest instant the daemon believes its clock.
        .target(name: "COshiraseBuild"),

        // Pure values: playlists, schedules, scenes, themes, phrase breaking; the C library's
        // words for an errno, which every message about a file or device uses.
        .target(name: "OshiraseCore"),
        // Decoding and encoding of JPEG/PNG with bounded memory.
        .target(name: "OshiraseImaging", dependencies: ["OshiraseCore", "CTurboJPEG", "CPNG"]),
        // YAML playlists → core values, with positions for every error.
        .target(name: "OshiraseConfig", dependencies: [
            "OshiraseCore", "OshiraseImaging", "OshiraseCAP", "OshiraseSigning", "OshiraseMQTT", .product(name: "Yams", package: "Yams"),
        ]),
        // Scene → frame, on Cairo and Pango.
        .target(name: "OshiraseRender", dependencies: [
            "OshiraseCore", "OshiraseImaging", "CPangoCairo", "CQREncode",
        ]),
        // Where frames go: fbdev, PNG directory, memory; pixel-format conversion.
        .target(name: "OshiraseDevices", dependencies: ["OshiraseCore", "OshiraseImaging", "CLinuxDevices"]),
        // The DRM/KMS output on libdrm.
        .target(name: "OshiraseDRM", dependencies: ["OshiraseCore", "OshiraseImaging", "OshiraseDevices", "CDRM"]),
        // CAP 1.2 (emergency messages): a hardened XML reader and the standard's validation, pure.
        .target(name: "OshiraseCAP", dependencies: ["OshiraseCore"]),
        // The signed push envelope: Ed25519 keys, signatures over the body's SHA-256, replay checks.
        .target(name: "OshiraseSigning", dependencies: ["OshiraseCore", .product(name: "Crypto", package: "swift-crypto")]),
        // HTTP requests on libcurl: the push client's fan-out to many boxes, feed polling.
        .target(name: "OshiraseHTTPClient", dependencies: ["CCurl"]),
        // MQTT 5 on libmosquitto: the fleet link's clients, driven by one poll thread.
        .target(name: "OshiraseMQTT", dependencies: ["CMosquitto"]),
        // The fleet's topics and documents, for the box and city hall's tools alike: pure.
        .target(name: "OshiraseFleet", dependencies: ["OshiraseCore"]),
        // SQLite storage: proof of play.
        .target(name: "OshiraseStore", dependencies: [
            "OshiraseCore", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The long-running services: frame loop per display, playlist reloads, metrics.
        .target(name: "OshiraseDaemon", dependencies: [
            "OshiraseCore", "OshiraseConfig", "OshiraseImaging", "OshiraseRender", "OshiraseDevices",
            "OshiraseDRM", "OshiraseStore", "CLinuxDevices", "COshiraseBuild", "OshiraseCAP", "OshiraseSigning",
            "OshiraseHTTPClient", "OshiraseMQTT", "OshiraseFleet",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // The HTTP API on Hummingbird: preview page, status, screenshots, metrics.
        .target(name: "OshiraseAPI", dependencies: [
            "OshiraseDaemon", "OshiraseConfig", "OshiraseStore", "OshiraseImaging", "OshiraseCore", "OshiraseFleet",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ]),
        // Fakes shared by tests: a manual clock, a framebuffer on a mapped file, the https test
        // certificates, loopback servers stopped by graceful shutdown, child processes that die
        // with the test process.
        .target(name: "OshiraseTestSupport", dependencies: [
            "OshiraseCore", "OshiraseDaemon", "OshiraseDevices", "OshiraseMQTT",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What the executables share: one error line on stderr, writes that never trap.
        .target(name: "OshiraseCommandLine", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The thin command-line shell: only what operators and city hall run.
        .executableTarget(name: "oshirase", dependencies: [
            "OshiraseCommandLine", "OshiraseCore", "OshiraseConfig", "OshiraseImaging", "OshiraseRender", "OshiraseStore",
            "OshiraseDaemon", "OshiraseAPI", "OshiraseCAP", "OshiraseSigning", "OshiraseHTTPClient", "OshiraseMQTT",
            "OshiraseFleet",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Captured screens against reference frames, pixel by pixel or row by row: the
        // emulated box's judge (scripts/e2e-box), a tool beside the product, not in it.
        .target(name: "OshiraseFrameComparison", dependencies: ["OshiraseImaging"]),
        .executableTarget(name: "compare-frames", dependencies: [
            "OshiraseCommandLine", "OshiraseFrameComparison", "OshiraseImaging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Each test target declares exactly the modules its files import.
        .testTarget(name: "OshiraseCoreTests", dependencies: ["OshiraseCore"]),
        .testTarget(name: "OshiraseConfigTests", dependencies: ["OshiraseConfig", "OshiraseCAP", "OshiraseCore", "OshiraseMQTT"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "OshiraseImagingTests", dependencies: ["OshiraseImaging"]),
        .testTarget(name: "OshiraseFrameComparisonTests", dependencies: ["OshiraseFrameComparison", "OshiraseImaging"]),
        .testTarget(name: "OshiraseRenderTests", dependencies: [
            "OshiraseRender", "OshiraseCore", "OshiraseImaging", "OshiraseTestSupport",
        ]),
        .testTarget(name: "OshiraseCLITests", dependencies: [
            "OshiraseImaging", "OshiraseSigning", "OshiraseTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "OshiraseDevicesTests", dependencies: [
            "OshiraseDevices", "OshiraseDRM", "OshiraseCore", "OshiraseImaging", "OshiraseTestSupport",
        ]),
        .testTarget(name: "OshiraseCAPTests", dependencies: ["OshiraseCAP", "OshiraseCore"]),
        .testTarget(name: "OshiraseSigningTests", dependencies: [
            "OshiraseSigning", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "OshiraseHTTPClientTests", dependencies: [
            "OshiraseHTTPClient", "OshiraseTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "OshiraseFleetTests", dependencies: ["OshiraseFleet", "OshiraseCore"]),
        .testTarget(name: "OshiraseMQTTTests", dependencies: ["OshiraseMQTT", "OshiraseTestSupport"]),
        .testTarget(name: "OshiraseStoreTests", dependencies: [
            "OshiraseStore", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "OshiraseDaemonTests", dependencies: [
            "OshiraseDaemon", "OshiraseAPI", "OshiraseTestSupport", "OshiraseConfig", "OshiraseSigning", "OshiraseCAP",
            "OshiraseCore", "OshiraseDevices", "OshiraseImaging", "OshiraseRender", "OshiraseStore",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "OshiraseAPITests", dependencies: [
            "OshiraseAPI", "OshiraseDaemon", "OshiraseConfig", "OshiraseImaging", "OshiraseStore", "OshiraseTestSupport", "OshiraseFleet",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + surface
}
