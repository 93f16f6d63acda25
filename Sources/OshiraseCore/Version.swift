/// This build's version: `oshirase --version`, and what a box tells the fleet.
package enum OshiraseVersion {
    package static let current = "0.14.0"
}
