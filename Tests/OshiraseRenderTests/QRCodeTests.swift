import Foundation
import OshiraseCore
import OshiraseImaging
import OshiraseRender
import Testing
import OshiraseTestSupport

/// Runs `zbarimg --quiet --raw` (Debian's zbar-tools) on a PNG; returns the decoded symbols.
func zbarDecode(_ path: String) throws -> (status: Int32, symbols: [String]) {
    let run = try runTool("/usr/bin/env", ["zbarimg", "--quiet", "--raw", path])
    return (run.status, run.stdout.split(separator: "\n").map(String.init))
}

let zbarAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/zbarimg")

@Suite("QR codes", .enabled(if: zbarAvailable, "needs zbarimg (apt install zbar-tools)"))
struct QRCodeTests {
    static let urls = [
        "https://www.city.sapporo.jp/mynumber/",
        "https://example.jp/apply?form=juminhyo&lang=ja&from=lobby-signage-0001",
    ]

    @Test("The QR code on an announcement decodes back to its URL",
          arguments: [DisplayProfile.lcd1080p, .dsignClean], urls)
    func qrDecodesToItsURL(profile: DisplayProfile, url: String) throws {
        let result = try makeRenderer().renderWithReport(scene(profile, main: announcement(
            .info, title: "マイナンバーカードの申請", body: "オンライン申請を受け付けています。右のQRコードから申請ページをご覧ください。",
            footer: "札幌市 デジタル戦略推進局", qr: url)))
        #expect(result.problems.isEmpty)
        let dir = try TempDir()
        let path = dir.path("qr-\(profile.name).png")
        try ImageEncoder.write(result.frame, toPath: path)
        let decoded = try zbarDecode(path)
        #expect(decoded.status == 0, "zbarimg found no symbol in the \(profile.name) frame")
        #expect(decoded.symbols == [url])
    }

    @Test("The QR code sits inside the main zone: right of the text on landscape, below it on the portrait kiosk",
          arguments: [DisplayProfile.lcd1080p, .dsignClean])
    func qrSitsBesideTheText(profile: DisplayProfile) throws {
        for layout in Layout.allCases {
            try checkQRPlacement(profile: profile, layout: layout)
        }
    }

    /// Regression: with a ticker and a footer the kiosk's text area is wider than tall, and the
    /// code went to the right of the text, squeezing the title into an ellipsis.
    func checkQRPlacement(profile: DisplayProfile, layout: Layout) throws {
        // A warning card: dark text on yellow, so pure white pixels belong to the QR code only.
        let result = try makeRenderer().renderWithReport(scene(profile, main: announcement(
            .warning, title: "マイナンバーカードの申請", body: String(repeating: "オンライン申請を受け付けています。", count: 20),
            footer: "札幌市 デジタル戦略推進局", qr: Self.urls[0]), layout: layout))
        let frame = result.frame
        let zone = profile.zones(for: layout).main
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for y in 0..<Int(zone.maxY) {
            for x in 0..<Int(zone.maxX) {
                let p = frame.rgb(x, y)
                if p.r == 255 && p.g == 255 && p.b == 255 {
                    minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                }
            }
        }
        try #require(maxX >= 0, "no QR code drawn")
        let qr = Rect(x: Double(minX), y: Double(minY), width: Double(maxX - minX + 1), height: Double(maxY - minY + 1))
        #expect(zone.inset(by: 1).contains(qr), "QR \(qr) touches the edge of the main zone")
        #expect(abs(qr.width - qr.height) <= 1, "QR area \(qr) is not square")
        for t in result.texts where t.role == "title" || t.role == "body" {
            if profile.width > profile.height {
                #expect(t.box.maxX <= qr.x, "\(t.role) box \(t.box) reaches into the QR code at \(qr)")
            } else {
                #expect(t.box.maxY <= qr.y, "\(t.role) box \(t.box) reaches down into the QR code at \(qr)")
            }
        }
        if profile.height > profile.width {
            // Centred, and large enough to scan from a step away: at least 30 % of the width (about 14 cm on a kiosk).
            #expect(abs(qr.x + qr.width / 2 - zone.width / 2) <= 2, "QR \(qr) is not centred")
            #expect(qr.width >= zone.width * 0.3, "QR \(qr) is small for a kiosk")
        }
    }
}
