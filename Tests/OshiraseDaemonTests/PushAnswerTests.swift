import OshiraseAPI
import Foundation
import GRDB
import OshiraseCAP
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseConfig
import OshiraseSigning
import OshiraseStore
import OshiraseTestSupport
import Testing

/// An alert centre trusting one new key, on a manual clock, with a store in a new folder (or
/// none): the setting most alert tests start from.
struct TrustingCenter {
    let key: SigningKey
    let clock = ManualClock(Date())
    let folder: PlaylistFolder
    let store: StateStore?
    let center: AlertCenter

    init(stored: Bool = true, _ adjust: (inout AlertsConfig) -> Void = { _ in }) throws {
        key = try SigningKey.generate(keyID: "cityhall-2026")
        folder = try PlaylistFolder()
        store = stored ? try StateStore(directory: folder.path + "/state") : nil
        var config = AlertsConfig(keys: [PublicKeyLine(id: key.keyID, publicKey: key.trustedKey.publicKeyBytes)])
        adjust(&config)
        center = AlertCenter(config: config, store: store, clock: clock, logger: quietLogger)
    }

    /// The envelope for `body`, signed at the clock's time (or `time`).
    func envelope(_ body: [UInt8], at time: Date? = nil) throws -> [String: String] {
        try PushEnvelope.sign(body: body, key: key, timestamp: Int64((time ?? clock.now()).timeIntervalSince1970)).httpHeaders
    }

    /// Pushes `body` signed now, after moving the clock on a second so each signature is new.
    func push(_ body: [UInt8]) async throws -> AlertIntakeOutcome {
        clock.advance(by: 1)
        return await center.push(body: body, headers: try envelope(body), source: "127.0.0.1")
    }
}

/// What a box answers and keeps: a push it could not store (503) leaves nothing behind, not the
/// alert and not its signature, so a relay that cannot sign anew may send the very same request
/// again; the audit holds no stranger's text; a message not shown here says why.
@Suite("Push answers: a failing store, what the audit keeps, why a message is not shown")
struct PushAnswerTests {
    @Test func theSameSignedRequestIsTakenAfterA503AndIsAReplayOnlyOnceStored() async throws {
        let box = try TrustingCenter()
        let (center, store) = (box.center, try #require(box.store))
        let body = freshAlert(identifier: "sapporo-503", sent: box.clock.now())
        let headers = try box.envelope(body)

        // Another connection makes every new alert message fail to insert, as a full disk would.
        let other = try DatabaseQueue(path: store.databasePath)
        try await other.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse_alerts BEFORE INSERT ON alert_message BEGIN SELECT RAISE(FAIL, 'disk full (test)'); END")
        }
        let failed = await center.push(body: body, headers: headers, source: "127.0.0.1")
        #expect(failed.status == 503 && failed.fields["error"] == "store-unavailable", "\(failed)")
        #expect(failed.fields["reason"]?.contains("disk full (test)") == true, "\(failed)")
        #expect(center.listing().isEmpty, "nothing is shown that is not stored")
        let signatures = try await other.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_signature") }
        #expect(signatures == 0, "the signature of the push that failed is not kept")

        try await other.write { db in try db.execute(sql: "DROP TRIGGER refuse_alerts") }
        let again = await center.push(body: body, headers: headers, source: "127.0.0.1")
        #expect(again.status == 202 && again.fields["identifier"] == "sapporo-503", "\(again)")
        #expect(center.listing().map(\.identifier) == ["sapporo-503"])

        let replay = await center.push(body: body, headers: headers, source: "127.0.0.1")
        #expect(replay.status == 409 && replay.fields["error"] == "replayed", "stored now, so the same request is a replay: \(replay)")
        let outcomes = try store.auditEntries(from: .distantPast, to: .distantFuture).map(\.outcome)
        #expect(outcomes == ["store-unavailable", "accepted", "replayed"])
    }

    @Test func aClaimedKeyIdIsAuditedOnlyAsTheCharactersAKeyIdMayHold() async throws {
        let folder = try PlaylistFolder()
        let store = try StateStore(directory: folder.path + "/state")
        let center = AlertCenter(config: AlertsConfig(), store: store, clock: ManualClock(Date()), logger: quietLogger)
        let body = freshAlert(identifier: "forged", sent: Date())
        let forged = ["Oshirase-Key": "=HYPERLINK(\"http://evil.example\")", "Oshirase-Timestamp": "1", "Oshirase-Signature": "AAAA"]
        let answer = await center.push(body: body, headers: forged, source: "192.0.2.7")
        #expect(answer.status == 401)
        let audit = try store.auditEntries(from: .distantPast, to: .distantFuture)
        #expect(audit.map(\.keyID) == ["????????????http???evil?example??"], "no '=', quote or capital survives into the audit")
        #expect(audit.first?.reason?.contains("HYPERLINK") == false, "nor into the reason: \(audit.first?.reason ?? "")")
        #expect(answer.fields["reason"]?.contains("'????????????http???evil?example??'") == true, "\(answer.fields)")

        // One Character can be 'a' and 80,000 combining marks: still 64 bytes at most.
        let marks = "a" + String(repeating: "\u{0333}", count: 40_000)
        _ = await center.push(body: body, headers: ["Oshirase-Key": marks, "Oshirase-Timestamp": "1", "Oshirase-Signature": "AAAA"],
                              source: "192.0.2.7")
        let second = try store.auditEntries(from: .distantPast, to: .distantFuture).last
        #expect(second?.keyID == "a" + String(repeating: "?", count: 63), "\(second?.keyID?.utf8.count ?? 0) bytes")
        #expect((second?.reason?.utf8.count ?? 0) < 300)
    }

    @Test func aMessageNotShownHereSaysWhyInTheAnswer() async throws {
        let box = try TrustingCenter(stored: false) { $0.policy.location = CAPPoint(latitude: 43.0621, longitude: 141.3544) }  // 札幌市役所
        func push(_ text: String) async throws -> AlertIntakeOutcome { try await box.push(Array(text.utf8)) }
        let sent = Instant.format(box.clock.now(), in: .tokyo)
        // 旭川 (Asahikawa), 120 km from the box: a 10 km circle there does not reach Sapporo.
        let asahikawa = try await push("""
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>asahikawa-1</identifier><sender>bousai@city.asahikawa.hokkaido.jp</sender><sent>\(sent)</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><category>Met</category><event>大雪</event><urgency>Expected</urgency><severity>Moderate</severity><certainty>Likely</certainty><headline>大雪警報</headline><area><areaDesc>旭川市</areaDesc><circle>43.7706,142.3650 10</circle></area></info></alert>
            """)
        #expect(asahikawa.status == 202 && asahikawa.fields["state"] == "not-shown", "\(asahikawa)")
        #expect(asahikawa.fields["reason"]?.contains("areas do not contain its location") == true, "\(asahikawa)")
        let test = try await push("""
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>test-1</identifier><sender>bousai@city.sapporo.jp</sender><sent>\(sent)</sent><status>Test</status><msgType>Alert</msgType><scope>Public</scope><info><category>Safety</category><event>試験</event><urgency>Unknown</urgency><severity>Minor</severity><certainty>Unknown</certainty><headline>配信試験</headline></info></alert>
            """)
        #expect(test.fields["state"] == "not-shown" && test.fields["reason"]?.contains("status Test") == true, "\(test)")
    }

    @Test func aCancelSaysWhatItLeftOnScreenNowAndWhenItComesAgain() async throws {
        let box = try TrustingCenter { $0.policy.showsExercises = true }
        let center = box.center
        func push(_ body: [UInt8]) async throws -> AlertIntakeOutcome { try await box.push(body) }
        let sent = Instant.format(box.clock.now(), in: .tokyo)
        func cancel(_ id: String, status: String, references: String) -> [UInt8] {
            Array("""
                <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>\(id)</identifier><sender>bousai@city.sapporo.jp</sender><sent>\(sent)</sent><status>\(status)</status><msgType>Cancel</msgType><scope>Public</scope><references>\(references)</references></alert>
                """.utf8)
        }
        #expect(try await push(freshAlert(identifier: "order-1", sent: box.clock.now())).fields["state"] == "active")
        let order = "bousai@city.sapporo.jp,order-1,\(sent)"

        // A drill's Cancel naming the real order by mistake leaves it on screen, and says so.
        let drill = cancel("drill-cancel", status: "Exercise", references: order)
        let first = try await push(drill)
        #expect(first.status == 202 && first.fields["state"] == "not-shown", "\(first)")
        #expect(first.fields["reason"] == "an Exercise Cancel withdraws only exercises, not order-1 (Actual); nothing was withdrawn")
        let again = try await push(drill)
        #expect(again.fields == first.fields, "the same words when the same Cancel comes again")
        #expect(center.listing().map(\.identifier) == ["order-1"])

        // Its own order and another sender's: the own one goes; the answer names what stayed.
        let mixed = try await push(cancel("real-cancel", status: "Actual",
                                          references: "\(order) someone@example.org,their-1,\(sent)"))
        #expect(mixed.fields["state"] == "cancelled", "\(mixed)")
        #expect(mixed.fields["reason"] == "bousai@city.sapporo.jp cannot withdraw messages of someone@example.org: a sender withdraws only its own")
        #expect(center.listing().isEmpty)
    }

    @Test func whenTheSignatureCannotBeRecordedTheSameRequestIsTakenLater() async throws {
        let box = try TrustingCenter()
        let (center, store) = (box.center, try #require(box.store))
        let body = freshAlert(identifier: "sapporo-sig-503", sent: box.clock.now())
        let headers = try box.envelope(body)
        let other = try DatabaseQueue(path: store.databasePath)
        try await other.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse_signatures BEFORE INSERT ON alert_signature BEGIN SELECT RAISE(FAIL, 'disk full (test)'); END")
        }
        let failed = await center.push(body: body, headers: headers, source: "127.0.0.1")
        #expect(failed.status == 503, "\(failed)")
        try await other.write { db in try db.execute(sql: "DROP TRIGGER refuse_signatures") }
        let again = await center.push(body: body, headers: headers, source: "127.0.0.1")
        #expect(again.status == 202, "the in-memory guard gave the signature back too: \(again)")
    }
}
