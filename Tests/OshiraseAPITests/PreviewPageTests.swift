import Foundation
import Hummingbird
import HummingbirdTesting
import OshiraseDaemon
import Testing
@testable import OshiraseAPI

/// The `<img class="frame">` tags of a page, each as its attributes.
func frameImages(in html: String) -> [[String: String]] {
    html.matches(of: /<img\b[^>]*>/).map { String($0.output) }.filter { $0.contains(#"class="frame""#) }.map { tag in
        var attributes: [String: String] = [:]
        for match in tag.matches(of: /([a-zA-Z-]+)="([^"]*)"/) {
            attributes[String(match.output.1)] = String(match.output.2)
        }
        return attributes
    }
}

@Suite struct PreviewPageTests {
    @Test func pageIsJapaneseTitledWithTheSiteAndHasATilePerDisplay() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-store")
            let html = response.text
            #expect(html.contains(#"<html lang="ja">"#))
            #expect(html.contains("<title>札幌市役所 本庁舎 — お知らせプレビュー</title>"))
            let images = frameImages(in: html)
            #expect(images.map { $0["data-display"] } == ["lobby", "entrance", "led-wall"])
            #expect(images.map { $0["src"] } == ["/v1/screenshot?display=lobby", "/v1/screenshot?display=entrance",
                                                 "/v1/screenshot?display=led-wall"])
            #expect(images.map { "\($0["width"] ?? "")×\($0["height"] ?? "")" } == ["192×108", "108×192", "96×48"])
            // Profile, current items and state are on the page before any script runs.
            for text in ["lcd-1080p", "dsign-clean", "led-vision", "窓口のご案内", "本日の休館日", "検温のお願い",
                         "電源オフ", "輝度 30%", "描画 2.4 ms (p99 6.1 ms)", "稼働 1時間 2分", "エラーのあるプレイリスト 1 件"] {
                #expect(html.contains(text), "\(text)")
            }
        }
    }

    @Test func pageLoadsNothingFromElsewhere() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let html = try await client.execute(uri: "/", method: .get).text
            #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"))
            #expect(!html.contains("<link") && !html.contains("<script src"))
        }
    }

    @Test func onlyTheScriptWithThisResponsesNonceMayRun() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let first = try await client.execute(uri: "/", method: .get)
            let policy = try #require(first.headers[.contentSecurityPolicy])
            let nonce = try #require(policy.firstMatch(of: /'nonce-([0-9a-f]+)'/)?.output.1)
            #expect(first.text.contains(#"<script nonce="\#(nonce)">"#))
            #expect(policy.contains("default-src 'none'"))
            let second = try await client.execute(uri: "/", method: .get)
            #expect(second.headers[.contentSecurityPolicy] != policy)
        }
    }

    @Test func namesFromTheConfigAreEscaped() async throws {
        var status = sampleStatus(site: #"<script>alert("区役所")</script> & 本庁舎"#)
        status.displays[0].name = #"lobby"><img src=x>"#
        status.displays[0].items = ["main": "<b>告知</b>"]
        let inspector = FakeInspector(status: status)
        try await testApplication(inspector).test(.router) { client in
            let html = try await client.execute(uri: "/", method: .get).text
            #expect(!html.contains("<script>alert"))
            #expect(html.contains("&lt;script&gt;alert(&quot;区役所&quot;)&lt;/script&gt; &amp; 本庁舎"))
            #expect(!html.contains("<img src=x>") && !html.contains("<b>告知</b>"))
            let images = frameImages(in: html)
            #expect(images.count == 3)
            #expect(images.first?["src"] == "/v1/screenshot?display=lobby%22%3E%3Cimg%20src%3Dx%3E")
        }
    }

    @Test func pageWithNoDisplaysSaysSo() async throws {
        var status = sampleStatus()
        status.displays = []
        try await testApplication(FakeInspector(status: status)).test(.router) { client in
            let html = try await client.execute(uri: "/", method: .get).text
            #expect(frameImages(in: html).isEmpty)
            #expect(html.contains("ディスプレイが設定されていません。"))
        }
    }

    @Test func uptimeReadsInJapanese() {
        #expect(PreviewPage.japaneseDuration(42) == "0分 42秒")
        #expect(PreviewPage.japaneseDuration(3723) == "1時間 2分")
        #expect(PreviewPage.japaneseDuration(2 * 86_400 + 3 * 3600 + 4 * 60) == "2日 3時間 4分")
        #expect(PreviewPage.japaneseDuration(.nan) == "0分 0秒")
    }

    @Test func mainZoneIsListedFirst() {
        let zones = PreviewPage.sortedZones(["ticker": "お知らせ", "main": "案内", "aside": "天気"]).map(\.0)
        #expect(zones == ["main", "aside", "ticker"])
    }
}
