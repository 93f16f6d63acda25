import ArgumentParser
import Foundation
import OshiraseSigning

/// `oshirase keygen --out NAME`: makes the Ed25519 key pair city hall signs pushes with.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a signing key pair for pushing alerts: NAME.key (private, mode 0600) and NAME.pub.",
        discussion: """
            Keep NAME.key on the machine that runs `oshirase push`; put the line printed (also in \
            NAME.pub) into each box's config under alerts.keys. See docs/signing.md.
            """)

    @Option(help: ArgumentHelp("Where to write: NAME.key and NAME.pub.", valueName: "NAME"))
    var out: String

    @Option(help: ArgumentHelp("The key id boxes know the key by (a–z, 0–9, '-'); default: the last part of NAME.",
                               valueName: "ID"))
    var id: String?

    @Flag(help: "Replace NAME.key and NAME.pub if they exist.")
    var force = false

    func validate() throws {
        if out.isEmpty || out.hasSuffix("/") {
            throw ValidationError("--out needs a file name, e.g. --out keys/cityhall-2026")
        }
        let keyID = id ?? KeyFiles.defaultKeyID(forOutput: out)
        if let problem = KeyID.problem(keyID) {
            throw ValidationError(id == nil ? "\(problem); pass --id to choose one" : "--id: \(problem)")
        }
    }

    func run() throws {
        let keyID = id ?? KeyFiles.defaultKeyID(forOutput: out)
        let key = try SigningKey.generate(keyID: keyID)
        let written = try KeyFiles.writeKeyPair(key, output: out, force: force)
        print(key.trustedKey.line)
        print("private key: \(written.privateKey) (mode 0600; keep it on the signing machine only)")
        print("public key:  \(written.publicKey) (add the line above to alerts.keys in each box's config)")
    }
}
