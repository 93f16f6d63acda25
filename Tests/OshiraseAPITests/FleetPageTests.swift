import Foundation
@testable import OshiraseAPI
import OshiraseFleet
import Testing

/// The fleet page shows what boxes publish: nothing a box writes may become markup.
@Suite struct FleetPageTests {
    @Test func aQuoteWithACombiningMarkIsStillEscaped() {
        // One Swift Character ("\u{22}\u{301}"), but the browser reads a quote and a mark.
        #expect(escapeHTML("x\"\u{301} style=\"inset:0") == "x&quot;\u{301} style=&quot;inset:0")
        #expect(escapeHTML("<script>'&'</script>") == "&lt;script&gt;&#39;&amp;&#39;&lt;/script&gt;")
    }

    @Test func hostileNamesFromABoxStayText() {
        var directory = FleetDirectory()
        let hostile = "lobby\"\u{301} onerror=alert(1) x=\"<img src=x>"
        let state = BoxState(box: "box-1", boot: "b", at: "2026-12-07T00:00:00Z",
                             displays: [BoxState.Display(name: hostile, profile: "lcd-1080p", powered: true,
                                                         items: ["main": "<b>避難</b>"], brightness: nil, alert: "\"><svg>", error: nil)],
                             alerts: [BoxState.Alert(sender: "s", identifier: "i", sent: "t", headline: "<i>避難指示</i>", severity: "Extreme", state: "active")])
        directory.take(topic: FleetTopic.status(box: "box-1"), payload: FleetJSON.encode(BoxStatus(box: "box-1", state: .online, boot: "b", version: "0.14.0", site: "<site>", since: nil)), at: Date())
        directory.take(topic: FleetTopic.state(box: "box-1"), payload: FleetJSON.encode(state), at: Date())
        directory.take(topic: FleetTopic.thumbnail(box: "box-1", display: hostile), payload: [0xFF, 0xD8, 0xFF, 0xE0], at: Date())
        let html = FleetPageHTML(title: "fleet", boxes: directory.sorted, nonce: "n").html
        for raw in ["<img src=x>", "<b>避難", "<i>", "<svg>", "<site>", "\"\u{301}"] {
            #expect(!html.contains(raw), "'\(raw)' reached the page as markup")
        }
        #expect(html.contains("&lt;i&gt;避難指示&lt;/i&gt;") && html.contains("lobby&quot;\u{301} onerror"))
        // Only the page's own script, with its nonce.
        #expect(html.components(separatedBy: "<script").count == 2)
    }

    @Test func aBrokerThePageCannotReadIsNamedAboveTheBoxes() {
        let none = FleetPageHTML(title: "fleet", boxes: [], nonce: "n").html
        #expect(!none.contains("id=\"brokers\""))
        let html = FleetPageHTML(title: "fleet", boxes: [], nonce: "n",
                                 brokerProblems: ["mqtts://broker-2.city.lan:8883: Connection refused <b> (since 2026-12-07T09:00:00Z)"]).html
        #expect(html.contains(#"<div id="brokers" class="warning">Not reading this broker now"#))
        #expect(html.contains("<li>mqtts://broker-2.city.lan:8883: Connection refused &lt;b&gt; (since 2026-12-07T09:00:00Z)</li>"))
    }
}
