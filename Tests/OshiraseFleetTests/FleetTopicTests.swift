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
