import Foundation

/// A PEM file of CA certificates to trust for https instead of the system's bundle: a feed's
/// `ca:` and `oshirase push --cacert`.
public enum CertificateFile {
    /// Why `path` is not such a file, in words for the operator; nil when it is one. Checked
    /// before any connection, so a typo is not reported as a TLS failure at every target.
    public static func problem(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "permission denied, or not a file" : "no such file"
            return "cannot read the CA file \(path): \(why)"
        }
        guard String(decoding: data.prefix(1 << 20), as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            return "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate of the CA that signed the server's, never a private key"
        }
        return nil
    }
}
