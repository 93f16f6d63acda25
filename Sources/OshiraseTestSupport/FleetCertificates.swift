package import Foundation

/// A certificate authority of a test's own, made with `openssl`: a broker certificate for
/// 127.0.0.1 and localhost, and client certificates whose common name is the client's identity
/// (a box id, or `cityhall`), as docs/fleet.md tells a city to make them.
package final class FleetCertificates: Sendable {
    package let directory: URL

    /// Makes the CA and the broker's certificate (for 127.0.0.1, localhost and `brokerAddresses`)
    /// in a new temporary folder.
    package init(brokerAddresses: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
                     "-subj", "/CN=Oshirase test fleet CA", "-keyout", "ca.key", "-out", "ca.pem"])
        let names = (["IP:127.0.0.1", "DNS:localhost"] + brokerAddresses.map { "IP:\($0)" }).joined(separator: ",")
        try issue("broker", extensions: "subjectAltName=\(names)\nextendedKeyUsage=serverAuth\n")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    package func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    package var certificateAuthority: String { path("ca.pem") }

    /// Makes `NAME.pem` and `NAME.key` for a client whose certificate's common name is `name`.
    @discardableResult
    package func client(_ name: String) throws -> (certificate: String, key: String) {
        try issue(name, extensions: "extendedKeyUsage=clientAuth\n")
        return (path("\(name).pem"), path("\(name).key"))
    }

    private func issue(_ name: String, extensions: String) throws {
        try Data(extensions.utf8).write(to: directory.appendingPathComponent("\(name).ext"))
        try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=\(name)",
                     "-keyout", "\(name).key", "-out", "\(name).csr"])
        try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "30",
                     "-extfile", "\(name).ext", "-out", "\(name).pem"])
    }

    private func openssl(_ arguments: [String]) throws {
        let run = try runTool("/usr/bin/openssl", arguments, in: directory)
        guard run.status == 0 else {
            throw LoopbackPortError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(run.stderr)")
        }
    }

    /// The broker config of docs/fleet.md: TLS with a client certificate required, the
    /// certificate's common name as the user name, and the ACL in `acl`.
    package func brokerConfig(boxGroups: [String: [String]] = [:]) throws -> String {
        var acl = """
            # City hall: writes alerts (and group content), reads every box.
            user cityhall
            topic write oshirase/v1/alerts/#
            topic write oshirase/v1/groups/#
            topic read oshirase/v1/box/#

            """
        for (box, groups) in boxGroups.sorted(by: { $0.key < $1.key }) {
            acl += "user \(box)\n" + groups.map { "topic read oshirase/v1/groups/\($0)/#\n" }.joined() + "\n"
        }
        acl += """
            # Every box (its certificate's common name is its fleet id): its own topics, the alerts.
            pattern write oshirase/v1/box/%u/status
            pattern write oshirase/v1/box/%u/state
            pattern write oshirase/v1/box/%u/receipt
            pattern write oshirase/v1/box/%u/display/+/thumb
            pattern read oshirase/v1/alerts/#

            """
        try Data(acl.utf8).write(to: directory.appendingPathComponent("acl"))
        return """
            cafile \(path("ca.pem"))
            certfile \(path("broker.pem"))
            keyfile \(path("broker.key"))
            require_certificate true
            use_identity_as_username true
            acl_file \(path("acl"))
            """
    }
}
