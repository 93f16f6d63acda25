import Foundation

/// A PEM file of CA certificates to trust for https instead of the system's bundle: a feed's
/// `ca:` and `oshirase push --cacert`.
package enum CertificateFile {
    /// Why `path` is not such a file, in words for the operator; nil when it is one. Checked
    /// before any connection, so a typo is not reported as a TLS failure at every target.
    package static func problem(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            return "cannot read the CA file \(path): no such file"
        }
        guard !isFolder.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            return "cannot read the CA file \(path): \(isFolder.boolValue ? "it is a folder" : "permission denied")"
        }
        defer { try? handle.close() }
        // A CA bundle is a few hundred KiB at most; /dev/zero must not be read for ever.
        let data = (try? handle.read(upToCount: 4 << 20)) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        if text.contains("PRIVATE KEY-----") {
            return "\(path) holds a private key: give only the CA's certificate (-----BEGIN CERTIFICATE-----), and keep the key off the box"
        }
        guard text.contains("-----BEGIN CERTIFICATE-----") else {
            return "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate of the CA that signed the server's"
        }
        return nil
    }
}
