import Foundation
import OshiraseCAP
import OshiraseCore
@testable import OshiraseConfig
import Testing

/// The `alerts:` section: trusted keys, location, what is shown and how.
@Suite("Alerts in the config")
struct AlertsConfigTests {
    /// A lobby (lines 5–7), then `alerts:` at line 8.
    static let head = configHead + """
          - name: lobby
            profile: lcd-1080p
            output: { kind: memory }
        alerts:

        """
    static let key = "oshirase-ed25519 cityhall-2026 " + Data(repeating: 7, count: 32).base64EncodedString()

    @Test func noAlertsSectionTrustsNoKeyAndTakesTheDefaults() throws {
        let config = try siteConfig(configHead + "  - name: lobby\n    profile: lcd-1080p\n    output: { kind: memory }\n")
        #expect(config.alerts == AlertsConfig())
        #expect(config.alerts.keys.isEmpty && config.alerts.policy.languages == ["ja-JP", "en-US", "zh-CN", "ko-KR"])
    }

    @Test func everyKeyIsRead() throws {
        let config = try siteConfig(Self.head + """
              keys:
                - \(Self.key)
              location: { latitude: 43.0556, longitude: 141.3406 }
              geocodes:
                - { name: JIS, value: "01101" }
              exercises: true
              max-duration: 3h
              languages: [ja-JP, en-US]
              takeover: [Extreme]
              levels: { Severe: 5, Minor: 1 }
              rotate: 10s
              kiosk-panel: cover
            """)
        let a = config.alerts
        #expect(a.keys == [PublicKeyLine(id: "cityhall-2026", publicKey: [UInt8](repeating: 7, count: 32))])
        #expect(a.policy.location == CAPPoint(latitude: 43.0556, longitude: 141.3406))
        #expect(a.policy.geocodes == [CAPValuePair(valueName: "JIS", value: "01101")])
        #expect(a.policy.showsExercises && a.policy.maximumDuration == 3 * 3600 && a.policy.languages == ["ja-JP", "en-US"])
        #expect(a.policy.takeover == [.extreme] && a.policy.levels[.severe] == 5 && a.policy.levels[.minor] == 1 && a.policy.levels[.extreme] == 5)
        #expect(a.policy.rotateSeconds == 10 && !a.policy.kioskKeepsPanel)
    }

    @Test func aPrivateKeyOrAGarbledLineIsNotAKey() throws {
        let e = try configProblem(Self.head + """
              keys:
                - "oshirase-ed25519-private-v1"
            """)
        expect(e, at: 10, 7, "a key must be the line `oshirase keygen` writes to NAME.pub")
    }

    @Test func aLocationOffTheEarthIsAnError() throws {
        let e = try configProblem(Self.head + "  location: { latitude: 141.35, longitude: 43.06 }\n")
        expect(e, at: 9, 13, "is not on Earth")
    }

    @Test func aMisspeltSeveritySuggestsTheNearest() throws {
        let e = try configProblem(Self.head + "  takeover: [Extrem]\n")
        expect(e, at: 9, 14, "unknown severity 'Extrem'; did you mean 'Extreme'?")
    }

    @Test func theSameKeyTwiceIsAnErrorButTwoKeysMayShareAnIdWhileRotating() throws {
        let e = try configProblem(Self.head + "  keys:\n    - \(Self.key)\n    - \(Self.key)\n")
        expect(e, at: 11, 7, "this key is listed twice (first at line 10)")
        let rotated = "oshirase-ed25519 cityhall-2026 " + Data(repeating: 9, count: 32).base64EncodedString()
        let config = try siteConfig(Self.head + "  keys:\n    - \(Self.key)\n    - \(rotated)\n")
        #expect(config.alerts.keys.map(\.id) == ["cityhall-2026", "cityhall-2026"])
    }
}

@Suite("Alert feeds in the config")
struct FeedsConfigTests {
    @Test func feedsAreReadAndSendersNeedHTTPS() throws {
        let config = try siteConfig(AlertsConfigTests.head + """
              feeds:
                - url: https://bousai.city.sapporo.jp/cap/index.atom
                  interval: 30s
                  senders: [bousai@city.sapporo.jp]
                  proxy: http://proxy.city.lan:8080
                - url: http://10.20.0.5/cap/latest.xml
            """)
        #expect(config.alerts.feeds == [
            FeedConfig(url: "https://bousai.city.sapporo.jp/cap/index.atom", interval: 30, senders: ["bousai@city.sapporo.jp"],
                       proxy: "http://proxy.city.lan:8080"),
            FeedConfig(url: "http://10.20.0.5/cap/latest.xml"),
        ])
        let e = try configProblem(AlertsConfigTests.head + """
              feeds:
                - url: http://10.20.0.5/cap/latest.xml
                  senders: [bousai@city.sapporo.jp]
            """)
        expect(e, at: 11, 7, "senders are trusted only over https")
        let f = try configProblem(AlertsConfigTests.head + "  feeds:\n    - url: ftp://example.org/cap.xml\n")
        expect(f, at: 10, 12, "must be an http:// or https:// address")
        let g = try configProblem(AlertsConfigTests.head + "  feeds:\n    - url: https://bousai:secret@example.org/cap.xml\n")
        expect(g, at: 10, 12, "carries a user name or password")
    }

    @Test func aFeedMayTrustItsOwnCAAndGoDirect() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-feed-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ca = folder.appendingPathComponent("city-ca.pem").path
        try Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: ca))
        let key = folder.appendingPathComponent("city-ca-key.pem").path
        try Data("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n".utf8).write(to: URL(fileURLWithPath: key))
        let config = try siteConfig(AlertsConfigTests.head + """
              feeds:
                - url: https://bousai.city.sapporo.jp/cap/index.atom
                  ca: \(ca)
                  proxy: none
            """)
        #expect(config.alerts.feeds == [FeedConfig(url: "https://bousai.city.sapporo.jp/cap/index.atom", proxy: "", caFile: ca)])
        let missing = try configProblem(AlertsConfigTests.head + "  feeds:\n    - url: https://example.org/cap.xml\n      ca: \(folder.path)/nothing.pem\n")
        expect(missing, at: 11, 11, "cannot read the CA file", "no such file")
        let notCertificate = try configProblem(AlertsConfigTests.head + "  feeds:\n    - url: https://example.org/cap.xml\n      ca: \(key)\n")
        expect(notCertificate, at: 11, 11, "holds a private key")
        let both = folder.appendingPathComponent("both.pem").path
        try Data(("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                  + "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n").utf8).write(to: URL(fileURLWithPath: both))
        expect(try configProblem(AlertsConfigTests.head + "  feeds:\n    - url: https://example.org/cap.xml\n      ca: \(both)\n"),
               at: 11, 11, "holds a private key")
        expect(try configProblem(AlertsConfigTests.head + "  feeds:\n    - url: https://example.org/cap.xml\n      ca: /dev/zero\n"),
               at: 11, 11, "holds no PEM certificate")
        expect(try configProblem(AlertsConfigTests.head + "  feeds:\n    - url: https://example.org/cap.xml\n      ca: \(folder.path)\n"),
               at: 11, 11, "it is a folder")
    }

    @Test func sendersProxiesAndRepeatedFeedsAreChecked() throws {
        let problems = configProblems(AlertsConfigTests.head + """
              feeds:
                - url: https://bousai.city.sapporo.jp/cap/index.atom
                  senders: ["bousai@city.sapporo.jp", "札幌市 危機管理局", "bousai@city.sapporo.jp"]
                  proxy: ftp://proxy.city.lan
                - url: HTTPS://Bousai.City.Sapporo.jp/cap/index.atom
            """)
        #expect(problems.count == 4, "\(problems.map(\.description))")
        guard problems.count == 4 else { return }
        expect(problems[0], at: 11, 43, "sender '札幌市 危機管理局' contains whitespace", "bousai@city.sapporo.jp")
        expect(problems[1], at: 11, 56, "sender 'bousai@city.sapporo.jp' is listed twice")
        expect(problems[2], at: 12, 14, "proxy 'ftp://proxy.city.lan' must be a proxy URL", "or none")
        expect(problems[3], at: 13, 12, "is listed twice (first at line 10)")
        let keySender = try configProblem(AlertsConfigTests.head + """
              keys:
                - key: "\(AlertsConfigTests.key)"
                  senders: ["bousai&city"]
            """)
        expect(keySender, at: 11, 17, "sender 'bousai&city' contains '&'")
    }
}

@Suite("Keys limited to senders")
struct KeySendersConfigTests {
    @Test func aKeyMayBeLimitedToTheSendersItSpeaksFor() throws {
        let config = try siteConfig(AlertsConfigTests.head + """
              keys:
                - key: "\(AlertsConfigTests.key)"
                  senders: [bousai@city.sapporo.jp]
                - "oshirase-ed25519 pref-2026 \(Data(repeating: 3, count: 32).base64EncodedString())"
            """)
        #expect(config.alerts.keys.map(\.senders) == [["bousai@city.sapporo.jp"], []])
        let e = try configProblem(AlertsConfigTests.head + "  keys:\n    - { senders: [a] }\n")
        expect(e, at: 10, 7, "a key entry needs its 'key'")
    }
}
