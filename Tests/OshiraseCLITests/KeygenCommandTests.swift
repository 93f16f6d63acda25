import Foundation
import Testing

@Suite("oshirase keygen")
struct KeygenCommandTests {
    @Test("keygen writes NAME.key (0600) and NAME.pub, prints the line for the box's config, and never overwrites")
    func keygenWritesAPair() throws {
        let ws = try Workspace()
        let run = try ws.run("keygen", "--out", "cityhall")
        #expect(run.status == 0, "\(run)")
        let pub = try String(contentsOfFile: ws.path("cityhall.pub"), encoding: .utf8)
        #expect(pub.hasPrefix("oshirase-ed25519 cityhall "))
        #expect(run.stdoutLines.first == pub.trimmingCharacters(in: .whitespacesAndNewlines))
        let mode = try FileManager.default.attributesOfItem(atPath: ws.path("cityhall.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try ws.run("keygen", "--out", "cityhall")
        #expect(again.status != 0 && again.stderrLines.count == 1 && !again.looksLikeCrash, "\(again)")
        #expect(try String(contentsOfFile: ws.path("cityhall.pub"), encoding: .utf8) == pub, "nothing was overwritten")
    }
}
