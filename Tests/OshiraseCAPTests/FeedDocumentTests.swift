import Testing
import OshiraseCAP

@Suite("A feed's answer is classified as an Atom index, a CAP alert, or neither")
struct FeedDocumentTests {
    static let index = """
        <?xml version="1.0" encoding="UTF-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title>札幌市 防災情報</title>
          <entry><title>避難指示</title><link rel="alternate" type="application/cap+xml" href="https://bousai.example.jp/1.xml"/></entry>
          <entry><title>署名なし</title><link href="http://bousai.example.jp/2.xml"/></entry>
          <entry><link rel="self" href="https://bousai.example.jp/entry/3"/><link type="application/cap+xml" href="HTTPS://bousai.example.jp/3.xml"/></entry>
          <entry><title>ローカル</title><link href="file:///etc/passwd"/></entry>
          <entry><title>リンクなし</title></entry>
        </feed>
        """

    @Test func atomIndexGivesItsHTTPLinksInOrderPreferringCAPTypedOnes() {
        #expect(FeedDocument.classify(Array(Self.index.utf8)) == .atom([
            "https://bousai.example.jp/1.xml", "http://bousai.example.jp/2.xml", "HTTPS://bousai.example.jp/3.xml",
        ]))
    }

    @Test func anAlertRootIsCAPWhateverItsContent() {
        #expect(FeedDocument.classify(Array("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>".utf8)) == .cap)
    }

    @Test func feedOutsideTheAtomNamespaceIsNotAnIndex() {
        #expect(FeedDocument.classify(Array("<feed><entry><link href=\"https://a.example/1\"/></entry></feed>".utf8))
            == .unreadable("the root element is <feed>"))
        #expect(FeedDocument.classify(Array("<rss version=\"2.0\"/>".utf8)) == .unreadable("the root element is <rss>"))
    }

    @Test func malformedOrHostileXMLIsUnreadableWithTheReadersReason() {
        for text in ["", "<feed", "<!DOCTYPE feed [<!ENTITY x \"y\">]><feed/>", "not xml at all"] {
            guard case .unreadable(let reason) = FeedDocument.classify(Array(text.utf8)) else {
                Issue.record("'\(text)' was not refused")
                continue
            }
            #expect(!reason.isEmpty)
        }
    }

    @Test func indexesMayHaveMoreElementsThanAnAlert() {
        let entries = String(repeating: "<entry><link href=\"https://a.example/x\"/></entry>", count: 6_000)
        let text = "<feed xmlns=\"\(FeedDocument.atomNamespace)\">\(entries)</feed>"
        guard case .atom(let links) = FeedDocument.classify(Array(text.utf8)) else {
            Issue.record("a 12,001-element index was refused")
            return
        }
        #expect(links.count == 6_000)
    }
}
