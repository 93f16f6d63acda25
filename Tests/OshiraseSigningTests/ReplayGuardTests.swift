import Foundation
import Testing
@testable import OshiraseSigning

@Suite struct ReplayGuardTests {
    let start = Known.now
    let signature = Array(repeating: UInt8(7), count: 64)

    @Test func signatureIsForgottenOnlyAfterTheRetention() {
        let guardian = ReplayGuard(retention: 600)
        guard case .fresh(let digest, let expires) = guardian.record(signature: signature, now: start) else {
            Issue.record("the first use should be fresh")
            return
        }
        #expect(digest.count == 32)
        #expect(digest != signature)  // the digest is remembered, not the signature
        #expect(expires == start.addingTimeInterval(600))
        #expect(guardian.record(signature: signature, now: start.addingTimeInterval(599)) == .replayed)
        if case .fresh = guardian.record(signature: signature, now: start.addingTimeInterval(600)) {} else {
            Issue.record("after the retention the signature is forgotten")
        }
    }

    @Test func aForgottenSignatureIsFreshAgainAndOnlyThatOne() {
        let guardian = ReplayGuard(retention: 600)
        let other = Array(repeating: UInt8(8), count: 64)
        guard case .fresh(let digest, _) = guardian.record(signature: signature, now: start),
              case .fresh = guardian.record(signature: other, now: start) else {
            Issue.record("both should be fresh at first")
            return
        }
        guardian.forget(digest: digest)
        #expect(!guardian.contains(signature: signature, now: start))
        #expect(guardian.contains(signature: other, now: start))
        if case .fresh = guardian.record(signature: signature, now: start.addingTimeInterval(1)) {} else {
            Issue.record("a forgotten signature is taken again")
        }
        #expect(guardian.record(signature: signature, now: start.addingTimeInterval(2)) == .replayed)
    }

    @Test func expiredEntriesAreSweptSoMemoryStaysBounded() {
        let guardian = ReplayGuard(retention: 600, capacity: 1000)
        for i in 0..<500 {
            _ = guardian.record(signature: [UInt8(i & 0xff), UInt8(i >> 8)], now: start)
        }
        #expect(guardian.count == 500)
        _ = guardian.record(signature: signature, now: start.addingTimeInterval(700))
        #expect(guardian.count == 1)
    }

    @Test func entriesRestoreIntoANewGuardAfterARestart() {
        let before = ReplayGuard(retention: 600)
        _ = before.record(signature: signature, now: start)
        _ = before.record(signature: [1, 2, 3], now: start.addingTimeInterval(10))
        let saved = before.entries()
        #expect(saved.count == 2)
        #expect(saved.map(\.expires) == [start.addingTimeInterval(600), start.addingTimeInterval(610)])

        let after = ReplayGuard(retention: 600)
        after.restore(saved, now: start.addingTimeInterval(60))
        #expect(after.record(signature: signature, now: start.addingTimeInterval(60)) == .replayed)
        #expect(after.contains(signature: [1, 2, 3], now: start.addingTimeInterval(60)))
    }

    @Test func restoreDropsExpiredAndMalformedEntries() {
        let guardian = ReplayGuard(retention: 600)
        guardian.restore([
            (digest: Array(repeating: 1, count: 32), expires: start.addingTimeInterval(-1)),
            (digest: [1, 2, 3], expires: start.addingTimeInterval(100)),
            (digest: Array(repeating: 2, count: 32), expires: start.addingTimeInterval(100)),
        ], now: start)
        #expect(guardian.count == 1)
    }

    @Test func restoreBeyondCapacityKeepsTheLongestLived() {
        let guardian = ReplayGuard(retention: 600, capacity: 2)
        guardian.restore((1...4).map { (digest: Array(repeating: UInt8($0), count: 32), expires: start.addingTimeInterval(Double($0) * 100)) },
                         now: start)
        #expect(guardian.entries().map(\.expires) == [start.addingTimeInterval(300), start.addingTimeInterval(400)])
    }

    @Test func concurrentCopiesOfOneSignatureAreFreshOnlyOnce() async {
        let guardian = ReplayGuard(retention: 600)
        let signature = self.signature
        let start = self.start
        let fresh = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    if case .fresh = guardian.record(signature: signature, now: start) { return true }
                    return false
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(fresh == 1)
    }
}
