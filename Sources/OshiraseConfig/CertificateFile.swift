import Foundation

/// A PEM file of CA certificates to trust for https instead of the system's bundle: a feed's
/// `ca:` and `oshirase push --cacert`.
package enum CertificateFile {
    /// Why `path` is not such a file, in words for the operator; nil when it is one. Checked
    /// before any connection, so a typo is not reported as a TLS failure at every target.
    package static func problem(_ path: String) -> String? {
        // A CA bundle is a few hundred KiB at most; /dev/zero must not be read for ever.
        let (text, problem) = smallText(path, what: "CA", limit: 4 << 20)
        guard let text else { return problem }
        if text.contains("PRIVATE KEY-----") {
            return "\(path) holds a private key: give only the CA's certificate (-----BEGIN CERTIFICATE-----), and keep the key off the box"
        }
        guard text.contains("-----BEGIN CERTIFICATE-----") else {
            return "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate of the CA that signed the server's"
        }
        return nil
    }
}

extension CertificateFile {
    /// Why `path` is not a PEM certificate of this box's own (fleet `cert:`); nil when it is one.
    package static func certificateProblem(_ path: String) -> String? {
        let (text, problem) = smallText(path, what: "certificate")
        guard let text else { return problem }
        guard text.contains("-----BEGIN CERTIFICATE-----") else {
            return "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        }
        if text.contains("PRIVATE KEY-----") {
            return "\(path) holds a private key as well: give the certificate here and the key under 'key'"
        }
        return nil
    }

    /// Why `path` is not a PEM private key (fleet `key:`); nil when it is one. Only its header
    /// is looked at, and nothing of the key ever reaches a message.
    package static func keyProblem(_ path: String) -> String? {
        let (text, problem) = smallText(path, what: "key")
        guard let text else { return problem }
        guard text.contains("PRIVATE KEY-----") else {
            return "\(path) holds no PEM private key (-----BEGIN PRIVATE KEY-----)"
        }
        if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            return "\(path) is protected by a pass phrase, which an unattended box cannot type: store it without one, readable only by the oshirase user"
        }
        return nil
    }

    /// The first `limit` bytes of `path` as text, or why it cannot be read.
    private static func smallText(_ path: String, what: String, limit: Int = 1 << 20) -> (text: String?, problem: String?) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            return (nil, "cannot read the \(what) file \(path): no such file")
        }
        guard !isFolder.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            return (nil, "cannot read the \(what) file \(path): \(isFolder.boolValue ? "it is a folder" : "permission denied")")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit)) ?? Data()
        return (String(decoding: data, as: UTF8.self), nil)
    }
}
