import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

/// `fallback: true` marks items that play while the box's clock cannot be trusted.
@Suite("The playlist key fallback")
struct FallbackKeyTests {
    static func yaml(_ fallbackLine: String) -> String {
        """
        name: 本庁舎1階ロビー
        items:
          - id: welcome
            announcement:
              title: 札幌市役所へようこそ
              body: 各種手続きの窓口は1階総合案内でご案内しています。
        \(fallbackLine)
          - id: clock
            clock: "HH:mm"
        """
    }

    @Test func itemsAreNotFallbackByDefault() throws {
        let p = try playlist(Self.yaml(""))
        #expect(p.items.map(\.fallback) == [false, false])
    }

    @Test(arguments: [("true", true), ("false", false), ("True", true), ("FALSE", false)])
    func fallbackIsReadAsABoolean(text: String, value: Bool) throws {
        let p = try playlist(Self.yaml("    fallback: \(text)"))
        #expect(p.items.map(\.fallback) == [value, false])
    }

    @Test func fallbackSitsWithTheOtherItemKeys() throws {
        let p = try playlist("""
            name: 本庁舎1階ロビー
            layout: main+ticker
            items:
              - id: guide
                fallback: true
                ticker: 札幌市役所へようこそ。
                zone: ticker
                duration: 30s
                schedule: { days: [mon] }
            """)
        let item = try #require(p.items.first)
        #expect(item.fallback && item.zone == .ticker && item.duration == 30 && item.schedule.days == [.mon])
    }

    @Test(arguments: [
        ("yes", "fallback must be true or false, not 'yes'"),
        ("on", "fallback must be true or false, not 'on'"),
        ("1", "fallback must be true or false, not '1'"),
        ("\"true\"", "fallback must be true or false without quotes (\"true\" is text)"),
        ("~", "fallback is empty: write true or false"),
        ("[true]", "fallback must be true or false, not a list"),
        ("{ on: true }", "fallback must be true or false, not a mapping"),
    ])
    func fallbackMustBeABoolean(text: String, message: String) throws {
        let e = try problem(Self.yaml("    fallback: \(text)"))
        expect(e, at: 7, 15)
        #expect(e.message == message)
    }

    @Test func misspeltFallbackSuggestsTheKey() throws {
        let e = try problem(Self.yaml("    fallbak: true"))
        expect(e, at: 7, 5, "unknown key 'fallbak' in an item; did you mean 'fallback'?")
    }

    @Test func aBrokenFallbackItemIsLeftOutNotPlayed() throws {
        // A wrong value is an error for the whole file, never silently "not a fallback item".
        let found = problems(Self.yaml("    fallback: はい"))
        #expect(found.map { "\($0.line):\($0.column) \($0.message)" } == ["7:15 fallback must be true or false, not 'はい'"])
    }

    @Test func theLobbySampleHasAFallbackAnnouncementWithoutSchedule() throws {
        let path = repositoryRoot.appendingPathComponent("playlists/01-city-hall-lobby.yaml").path
        let fallbacks = try PlaylistLoader().load(path: path).items.filter(\.fallback)
        #expect(fallbacks.map(\.id) == ["general-guide"])
        #expect(fallbacks.first?.schedule == .always)
        #expect(fallbacks.first?.content.kind == "announcement")
    }

    @Test func itemInitialiserDefaultsToNotFallback() {
        let item = Item(id: "clock", content: .clock(format: "HH:mm"), duration: 5)
        #expect(!item.fallback)
    }
}
