import Foundation
public import HummingbirdTLS

/// The TLS material of `fixtures/tls/` (made by `scripts/make-test-certs`), for test servers
/// that speak https on 127.0.0.1. Trusted by nothing but the tests that pass `caFile` on.
public enum TestTLS {
    /// The repository's `fixtures/tls` folder.
    public static let folder: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("fixtures/tls").path
    }()

    /// The CA that signed the server certificate: what a client passes to trust the test server.
    public static var caFile: String { folder + "/ca.pem" }

    /// A CA that signed nothing the tests serve: trusting it (instead of the system's) must fail the handshake.
    public static var otherCAFile: String { folder + "/other-ca.pem" }

    /// A server configuration with the certificate for 127.0.0.1 and localhost.
    public static func serverConfiguration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(folder + "/server.pem")
        let key = try NIOSSLPrivateKey(file: folder + "/server-key.pem", format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}
