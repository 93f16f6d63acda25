import Foundation
import OshiraseCore
import OshiraseFleet
import Testing

@Suite struct FleetTopicTests {
    @Test func topicsAreTheDocumentedOnes() {
        #expect(FleetTopic.alert(sender: "bousai@city.sapporo.jp", identifier: "JP-2026-001")
                == "oshirase/v1/alerts/bousai@city.sapporo.jp/JP-2026-001")
        #expect(FleetTopic.status(box: "honcho-1f") == "oshirase/v1/box/honcho-1f/status")
        #expect(FleetTopic.state(box: "honcho-1f") == "oshirase/v1/box/honcho-1f/state")
        #expect(FleetTopic.receipt(box: "honcho-1f") == "oshirase/v1/box/honcho-1f/receipt")
        #expect(FleetTopic.thumbnail(box: "honcho-1f", display: "lobby") == "oshirase/v1/box/honcho-1f/display/lobby/thumb")
    }

    @Test func noSenderOrIdentifierReachesAnotherTopicOrMatchesAsAWildcard() {
        let topic = FleetTopic.alert(sender: "a/b+#%", identifier: "../ロビー")
        #expect(topic == "oshirase/v1/alerts/a%2Fb%2B%23%25/..%2F%E3%83%AD%E3%83%93%E3%83%BC")
        #expect(topic.split(separator: "/").count == 5)
        #expect(FleetTopic.unescape("a%2Fb%2B%23%25") == "a/b+#%")
        #expect(FleetTopic.unescape("..%2F%E3%83%AD%E3%83%93%E3%83%BC") == "../ロビー")
        for bad in ["%", "%2", "%zz", "%FF"] { #expect(FleetTopic.unescape(Substring(bad)) == nil, "\(bad)") }
    }

    @Test func readsBoxTopicsBack() {
        #expect(FleetTopic.boxTopic("oshirase/v1/box/honcho-1f/status") == BoxTopic(box: "honcho-1f", kind: .status))
        #expect(FleetTopic.boxTopic("oshirase/v1/box/a%2Fb/receipt") == BoxTopic(box: "a/b", kind: .receipt))
        #expect(FleetTopic.boxTopic("oshirase/v1/box/x/display/%E5%8F%97%E4%BB%98/thumb")
                == BoxTopic(box: "x", kind: .thumbnail(display: "受付")))
        for other in ["oshirase/v1/box/x", "oshirase/v1/box/x/other", "oshirase/v2/box/x/status",
                      "oshirase/v1/alerts/a/b", "oshirase/v1/box/x/display/y/full", "oshirase/v1/box/%zz/status"] {
            #expect(FleetTopic.boxTopic(other) == nil, "\(other)")
        }
    }
}

@Suite struct FleetDocumentTests {
    @Test func statusAndReceiptAreStableJSON() throws {
        let status = BoxStatus(box: "honcho-1f", state: .online, boot: "b1", version: "0.14.0", site: "札幌市役所", since: "2026-12-07T00:00:00Z")
        #expect(String(decoding: FleetJSON.encode(status), as: UTF8.self)
                == #"{"boot":"b1","box":"honcho-1f","since":"2026-12-07T00:00:00Z","site":"札幌市役所","state":"online","version":"0.14.0"}"#)
        #expect(FleetJSON.decode(BoxStatus.self, from: FleetJSON.encode(status)) == status)
        #expect(FleetJSON.decode(BoxStatus.self, from: Array("not json".utf8)) == nil)
        var receipt = AlertReceipt(box: "b", sender: "s", identifier: "i", sent: "2026-12-07T09:00:00+09:00", received: nil)
        receipt.display = "lobby"
        #expect(FleetJSON.decode(AlertReceipt.self, from: FleetJSON.encode(receipt)) == receipt)
    }
}

@Suite struct FleetDirectoryTests {
    func json<T: Encodable>(_ value: T) -> [UInt8] { FleetJSON.encode(value) }
    let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func buildsEachBoxFromItsTopicsOfflineFirst() {
        var directory = FleetDirectory()
        directory.take(topic: FleetTopic.status(box: "b"), payload: json(BoxStatus(box: "b", state: .online, boot: "1", version: "0.14.0", site: "本庁舎", since: "2026-12-07T00:00:00Z")), at: t0)
        directory.take(topic: FleetTopic.status(box: "a"), payload: json(BoxStatus(box: "a", state: .online, boot: "1", version: "0.14.0", site: nil, since: nil)), at: t0)
        directory.take(topic: FleetTopic.status(box: "c"), payload: json(BoxStatus(box: "c", state: .offline, boot: "2", version: "0.14.0", site: nil, since: nil)), at: t0)
        let state = BoxState(box: "c", boot: "2", at: "2026-12-06T23:00:00Z",
                             displays: [BoxState.Display(name: "lobby", profile: "lcd-1080p", powered: true, items: ["main": "mynumber"],
                                                         brightness: nil, alert: nil, error: nil)], alerts: [])
        directory.take(topic: FleetTopic.state(box: "c"), payload: json(state), at: t0)
        directory.take(topic: FleetTopic.thumbnail(box: "a", display: "lobby"), payload: [0xff, 0xd8, 0xff, 0xe0], at: t0)
        let taken = directory.take(topic: "oshirase/v1/alerts/x/y", payload: [1], at: t0)
        #expect(!taken)
        #expect(directory.sorted.map(\.id) == ["c", "a", "b"])
        let c = directory.sorted[0]
        #expect(!c.isOnline && c.since == Instant.parse("2026-12-06T23:00:00Z"), "offline: last heard of at its state's time")
        #expect(c.summary.displays.first?.items == ["main": "mynumber"])
        #expect(directory.boxes["b"]?.since == Instant.parse("2026-12-07T00:00:00Z"))
        #expect(directory.boxes["a"]?.since == t0, "no since from the box: when the watcher saw it")
        #expect(directory.boxes["a"]?.summary.thumbnails == ["lobby"])
    }

    @Test func ignoresDocumentsThatDoNotMatchTheirTopicAndForgetsAClearedBox() {
        var directory = FleetDirectory()
        directory.take(topic: FleetTopic.status(box: "a"), payload: json(BoxStatus(box: "someone-else", state: .online, boot: "1", version: "1", site: nil, since: nil)), at: t0)
        directory.take(topic: FleetTopic.status(box: "a"), payload: Array("{broken".utf8), at: t0)
        #expect(directory.boxes["a"]?.status == nil)
        directory.take(topic: FleetTopic.status(box: "a"), payload: [], at: t0)
        #expect(directory.boxes["a"] == nil)
    }
}

@Suite struct FleetDirectoryMergeTests {
    let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    func status(_ box: String, _ state: BoxStatus.State, since: String?) -> [UInt8] {
        FleetJSON.encode(BoxStatus(box: box, state: state, boot: "1", version: "0.14.0", site: nil, since: since))
    }

    @Test func aBoxThatMovedToTheSecondBrokerIsOnlineWithItsNewestState() {
        var first = FleetDirectory(), second = FleetDirectory()
        // box-1 left its will on the first broker and is online on the second.
        first.take(topic: FleetTopic.status(box: "box-1"), payload: status("box-1", .offline, since: nil), at: t0)
        first.take(topic: FleetTopic.state(box: "box-1"), payload: FleetJSON.encode(Self.state("box-1", at: "2026-12-07T09:00:00Z", item: "old")), at: t0)
        second.take(topic: FleetTopic.status(box: "box-1"), payload: status("box-1", .online, since: "2026-12-07T09:05:00Z"), at: t0)
        second.take(topic: FleetTopic.state(box: "box-1"), payload: FleetJSON.encode(Self.state("box-1", at: "2026-12-07T09:06:00Z", item: "new")), at: t0)
        // box-2 is offline everywhere; box-3 known to the first only.
        first.take(topic: FleetTopic.status(box: "box-2"), payload: status("box-2", .offline, since: nil), at: t0)
        second.take(topic: FleetTopic.status(box: "box-2"), payload: status("box-2", .offline, since: nil), at: t0)
        first.take(topic: FleetTopic.status(box: "box-3"), payload: status("box-3", .online, since: "2026-12-07T08:00:00Z"), at: t0)
        let merged = FleetDirectory.merged([first, second])
        #expect(merged.sorted.map(\.id) == ["box-2", "box-1", "box-3"])
        #expect(merged.boxes["box-1"]?.isOnline == true)
        #expect(merged.boxes["box-1"]?.state?.displays.first?.items["main"] == "new")
        #expect(merged.boxes["box-3"]?.isOnline == true)
        #expect(FleetDirectory.merged([first]).boxes["box-1"]?.isOnline == false)
    }

    static func state(_ box: String, at: String, item: String) -> BoxState {
        BoxState(box: box, boot: "1", at: at,
                 displays: [BoxState.Display(name: "lobby", profile: "lcd-1080p", powered: true, items: ["main": item],
                                             brightness: nil, alert: nil, error: nil)], alerts: [])
    }
}
