import Foundation
import GRDB
@testable import OshiraseStore
import Testing

@Suite("Alert messages, audit and signatures in the state database")
struct AlertStoreTests {
    static let body = Array("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>sapporo-2026-001</identifier><headline>避難指示</headline></alert>".utf8)

    func message(_ body: [UInt8] = AlertStoreTests.body, identifier: String = "sapporo-2026-001", at time: Date = tokyo(9, 0)) -> StoredAlertMessage {
        StoredAlertMessage(sender: "bousai@city.sapporo.jp", identifier: identifier, sent: "2026-11-27T09:00:00+09:00",
                           receivedAt: time, keyID: "cityhall-2026", body: body)
    }

    @Test func aMessageIsStoredOnceTheSameBytesAreADuplicateAndOtherBytesAConflict() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        #expect(try store.storeAlertMessage(message()) == .stored)
        #expect(try store.storeAlertMessage(message(at: tokyo(9, 1))) == .duplicate)
        var other = AlertStoreTests.body
        other[other.count - 10] ^= 1
        #expect(try store.storeAlertMessage(message(other)) == .conflict)
        #expect(try store.alertMessages() == [message()], "neither changed what is stored")
    }

    @Test func storedMessagesSurviveReopeningAndComeBackInTheOrderReceived() throws {
        let folder = try TemporaryFolder()
        do {
            let store = try StateStore(directory: folder.path)
            _ = try store.storeAlertMessage(message(identifier: "b", at: tokyo(9, 5)))
            _ = try store.storeAlertMessage(message(identifier: "a", at: tokyo(9, 0)))
            _ = try store.storeAlertMessage(message(identifier: "c", at: tokyo(9, 5)))
        }
        let reopened = try StateStore(directory: folder.path)
        #expect(try reopened.alertMessages().map(\.identifier) == ["a", "b", "c"])
        #expect(try reopened.alertMessages(receivedSince: tokyo(9, 1)).map(\.identifier) == ["b", "c"])
        #expect(try reopened.deleteAlertMessages(receivedBefore: tokyo(9, 1)) == 1)
        #expect(try reopened.alertMessages().map(\.identifier) == ["b", "c"])
    }

    @Test func aSignatureIsAcceptedOnceUntilItExpires() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let digest = [UInt8](repeating: 0xAB, count: 32)
        #expect(try store.rememberSignature(digest: digest, expires: tokyo(9, 10), now: tokyo(9, 0)))
        #expect(try !store.rememberSignature(digest: digest, expires: tokyo(9, 10), now: tokyo(9, 5)), "a replay")
        let reopened = try StateStore(directory: folder.path)
        #expect(try !reopened.rememberSignature(digest: digest, expires: tokyo(9, 10), now: tokyo(9, 6)), "remembered across a restart")
        #expect(try reopened.rememberSignature(digest: digest, expires: tokyo(9, 20), now: tokyo(9, 10)), "forgotten once expired")
    }

    @Test func aSignatureCanBeForgottenWhenItsPushWasNotStored() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let digest = [UInt8](repeating: 0xCD, count: 32), other = [UInt8](repeating: 0xEF, count: 32)
        #expect(try store.rememberSignature(digest: digest, expires: tokyo(9, 10), now: tokyo(9, 0)))
        #expect(try store.rememberSignature(digest: other, expires: tokyo(9, 10), now: tokyo(9, 0)))
        try store.forgetSignature(digest: digest)
        let reopened = try StateStore(directory: folder.path)
        #expect(try reopened.rememberSignature(digest: digest, expires: tokyo(9, 10), now: tokyo(9, 1)), "taken again")
        #expect(try !reopened.rememberSignature(digest: other, expires: tokyo(9, 10), now: tokyo(9, 1)), "the other one stays")
    }

    @Test func theAuditKeepsEveryRequest() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let entries = [
            AlertAuditEntry(time: tokyo(9, 0), keyID: "cityhall-2026", source: "10.1.2.3", outcome: "accepted", status: 202,
                            identifier: "sapporo-2026-001", reason: nil),
            AlertAuditEntry(time: tokyo(9, 1), keyID: "unknown-key", source: "10.9.9.9", outcome: "unknown-key", status: 401,
                            identifier: nil, reason: "no trusted key 'unknown-key'"),
        ]
        for e in entries { try store.audit(e) }
        #expect(try store.auditEntries(from: tokyo(0, 0), to: tokyo(23, 0)) == entries)
        #expect(try store.auditEntries(from: tokyo(9, 1), to: tokyo(23, 0)).count == 1)
        #expect(try store.deleteAuditEntries(before: tokyo(9, 1)) == 1)
        #expect(try store.auditEntries(from: tokyo(0, 0), to: tokyo(23, 0)) == [entries[1]])
    }

    @Test func aReadOnlyStoreRefusesToStore() throws {
        let folder = try TemporaryFolder()
        _ = try StateStore(directory: folder.path)
        let reader = try StateStore(readingFrom: folder.path)
        #expect(throws: StateStoreError.self) { try reader.storeAlertMessage(message()) }
        #expect(try reader.alertMessages().isEmpty)
    }
}
