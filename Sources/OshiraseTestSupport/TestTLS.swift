import Foundation
package import HummingbirdTLS

/// The TLS material of `fixtures/tls/` (made by `scripts/make-test-certs`), for test servers
/// that speak https on 127.0.0.1. Trusted by nothing but the tests that pass `caFile` on.
package enum TestTLS {
    /// The repository's `fixtures/tls` folder.
    package static let folder: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("fixtures/tls").path
    }()

    /// The CA that signed the server certificate: what a client passes to trust the test server.
    package static var caFile: String { folder + "/ca.pem" }

    /// A CA that signed nothing the tests serve: trusting it (instead of the system's) must fail the handshake.
    package static var otherCAFile: String { folder + "/other-ca.pem" }

    /// A server configuration with the certificate for 127.0.0.1 and localhost.
    package static func serverConfiguration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(folder + "/server.pem")
        let key = try NIOSSLPrivateKey(file: folder + "/server-key.pem", format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}
