// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Oshirase",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "oshirase", targets: ["oshirase"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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

        // Pure values: playlists, schedules, scenes, themes, phrase breaking.
        .target(name: "OshiraseCore"),
        // Decoding and encoding of JPEG/PNG with bounded memory.
        .target(name: "OshiraseImaging", dependencies: ["CTurboJPEG", "CPNG"]),
        // YAML playlists → core values, with positions for every error.
        .target(name: "OshiraseFormats", dependencies: [
            "OshiraseCore", "OshiraseImaging", .product(name: "Yams", package: "Yams"),
        ]),
        // Scene → frame, on Cairo and Pango.
        .target(name: "OshiraseRender", dependencies: [
            "OshiraseCore", "OshiraseImaging", "CPangoCairo", "CQREncode",
        ]),
        // The thin command-line shell.
        .executableTarget(name: "oshirase", dependencies: [
            "OshiraseCore", "OshiraseFormats", "OshiraseImaging", "OshiraseRender",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "OshiraseCoreTests", dependencies: ["OshiraseCore"]),
        .testTarget(name: "OshiraseFormatsTests", dependencies: ["OshiraseFormats"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "OshiraseImagingTests", dependencies: ["OshiraseImaging"]),
        .testTarget(name: "OshiraseRenderTests", dependencies: ["OshiraseRender", "OshiraseFormats"]),
        .testTarget(name: "OshiraseCLITests", dependencies: ["OshiraseImaging"]),
    ],
    swiftLanguageModes: [.v6]
)
