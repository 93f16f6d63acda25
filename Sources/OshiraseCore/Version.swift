/// This build's version: `oshirase --version`, and what a box tells the fleet.
public enum OshiraseVersion {
    public static let current = "0.14.0"
}
