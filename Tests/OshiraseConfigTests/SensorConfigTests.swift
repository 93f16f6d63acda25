import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

/// The `sensors:` section: thermometers, the kiosk panels they feed, and their screening rules.
@Suite("Sensors in the config")
struct SensorConfigTests {
    /// A lobby LCD and an entrance kiosk (lines 5–10), then `sensors:` at line 11.
    static let head = configHead + """
          - name: lobby
            profile: lcd-1080p
            output: { kind: memory }
          - name: entrance
            profile: dsign-clean
            output: { kind: memory }
        sensors:

        """

    @Test func aSerialThermometerTakesTheStandardRulesByDefault() throws {
        let config = try siteConfig(Self.head + """
              - name: entrance-thermometer
                kind: gy-mcu90614
                device: /dev/ttyUSB0
                displays: [entrance]
            """)
        #expect(config.sensors == [SensorConfig(name: "entrance-thermometer", source: .gyMCU90614(device: "/dev/ttyUSB0", baud: 9600),
                                                displays: ["entrance"], policy: .standard, notice: nil)])
    }

    @Test func rulesAndTheNoticeAreTunedPerSensor() throws {
        let config = try siteConfig(Self.head + """
              - name: entrance-thermometer
                kind: gy-mcu90614
                device: /dev/ttyUSB0
                baud: 115200
                displays: [entrance]
                presence: 31
                fever: 37.8
                range: 34.5-41.5
                min-ambient: 5
                hold: 3s
                notice: true
            """)
        let sensor = try #require(config.sensors.first)
        #expect(sensor.source == .gyMCU90614(device: "/dev/ttyUSB0", baud: 115200))
        #expect(sensor.policy.presenceThreshold == 31 && sensor.policy.feverThreshold == 37.8)
        #expect(sensor.policy.plausibleRange == 34.5...41.5 && sensor.policy.minimumAmbient == 5)
        #expect(sensor.policy.resultHold == 3 && sensor.policy.offlineAfter == 3, "offline after 3 s stays")
        #expect(sensor.notice == SensorConfig.defaultNotice)
    }

    @Test func aSimulatedSensorTakesAScenarioRelativeToTheConfigOrASeed() throws {
        let config = try siteConfig(Self.head + """
              - name: sim
                kind: simulated
                seed: 42
                displays: [entrance]
                notice: 検温は感染症対策のためです。測定値は保存しません。
            """)
        #expect(config.sensors.first?.source == .simulated(scenario: nil, seed: 42))
        #expect(config.sensors.first?.notice == "検温は感染症対策のためです。測定値は保存しません。")
    }

    @Test func aKioskNoSensorFeedsIsAllowed() throws {
        let config = try siteConfig(Self.head.replacingOccurrences(of: "sensors:\n", with: ""))
        #expect(config.sensors.isEmpty)
    }

    // MARK: Errors, each at its line and column

    @Test func unknownKindSuggestsTheNearest() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: gy-mcu90164
                device: /dev/ttyUSB0
                displays: [entrance]
            """)
        expect(e, at: 13, 11, "unknown sensor kind 'gy-mcu90164'; did you mean 'gy-mcu90614'?")
    }

    @Test func aSerialSensorNeedsItsDevice() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: gy-mcu90614
                displays: [entrance]
            """)
        expect(e, at: 12, 5, "sensor 't' is missing its 'device'")
    }

    @Test func aBaudTheModuleDoesNotSpeakIsAnError() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: gy-mcu90614
                device: /dev/ttyUSB0
                baud: 19200
                displays: [entrance]
            """)
        expect(e, at: 15, 11, "baud 19200", "9600", "115200")
    }

    @Test func keysOfTheOtherKindAreErrors() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                device: /dev/ttyUSB0
                displays: [entrance]
            """)
        expect(e, at: 14, 5, "'device' applies only to gy-mcu90614 sensors, not simulated")
    }

    @Test func aDisplayWithoutAPanelCannotShowASensor() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [lobby]
            """)
        expect(e, at: 14, 16, "display 'lobby' has profile lcd-1080p, which has no temperature panel")
    }

    @Test func anUnknownDisplaySuggestsTheNearest() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [entrence]
            """)
        expect(e, at: 14, 16, "unknown display 'entrence'; did you mean 'entrance'?")
    }

    @Test func twoSensorsOnOnePanelAreAnError() throws {
        let e = try configProblem(Self.head + """
              - name: a
                kind: simulated
                displays: [entrance]
              - name: b
                kind: simulated
                displays: [entrance]
            """)
        expect(e, at: 17, 15, "display 'entrance' already shows sensor 'a'")
    }

    @Test func aFeverOutsideTheRangeCouldNeverHappen() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [entrance]
                fever: 43
            """)
        expect(e, at: 15, 12, "fever 43.0 ℃ lies outside range 34.0-42.0 ℃")
    }

    @Test func aFeverOutsideTheRangeIsReportedAlongsideOtherProblems() throws {
        let found = configProblems(Self.head + """
              - name: t
                kind: gy-mcu90614
                device: /dev/ttyUSB0
                baud: 19200
                displays: [entrance]
                fever: 43
            """)
        #expect(found.map(\.line) == [15, 17], "\(found.map(\.description))")
    }

    @Test func aTemperatureThatIsNoBodyTemperatureIsATypo() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [entrance]
                fever: 375
            """)
        expect(e, at: 15, 12, "fever 375.0 ℃ is not a body temperature rule")
    }

    @Test func aBackwardsRangeIsAnError() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [entrance]
                range: 42-34
            """)
        expect(e, at: 15, 12, "range '42-34' must go from a lower to a higher temperature")
    }

    @Test func aMisspeltKeySuggestsTheNearest() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [entrance]
                fevre: 37.5
            """)
        expect(e, at: 15, 5, "unknown key 'fevre'", "did you mean 'fever'?")
    }

    @Test(arguments: ["yes", "True", "on", "NO"])
    func aYesOrNoSpeltTheYAML11WayIsNotShownAsTheNotice(word: String) throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [entrance]
                notice: \(word)
            """)
        expect(e, at: 15, 13, "notice must be true (the standard privacy line), false, or the text to show, not '\(word)'")
    }

    @Test func aNoticeTooLongForThePanelIsAnError() throws {
        let e = try configProblem(Self.head + """
              - name: t
                kind: simulated
                displays: [entrance]
                notice: \(String(repeating: "検温", count: 81))
            """)
        expect(e, at: 15, 13, "notice is 162 characters; the panel fits 160")
    }
}

@Suite("Sensors in the config: scenario files")
struct SensorScenarioConfigTests {
    @Test func aBrokenScenarioIsReportedWithTheConfigsErrorsAtItsOwnLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-scenario-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("name: 朝の来庁者\nsteps:\n  - visitor: 36.4\n    stnad: 2s\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/visitors.yaml"))
        let yaml = SensorConfigTests.head + """
              - name: sim
                kind: simulated
                scenario: visitors.yaml
                displays: [entrance]
            """
        do {
            _ = try SiteConfigLoader().parse(yaml: yaml, path: folder + "/site.yaml")
            Issue.record("a broken scenario was accepted")
        } catch {
            #expect(error.errors.map(\.description).contains { $0.hasPrefix(folder + "/visitors.yaml:4:5: error: unknown key 'stnad'") },
                    "\(error.errors.map(\.description))")
        }
        // With a problem of the config's own too: the config's come first, then the scenario's.
        do {
            _ = try SiteConfigLoader().parse(yaml: yaml.replacingOccurrences(of: "[entrance]", with: "[entrence]"),
                                             path: folder + "/site.yaml")
        } catch {
            #expect(error.errors.map(\.file) == [folder + "/site.yaml", folder + "/visitors.yaml"])
        }
        try Data("name: 朝の来庁者\nsteps:\n  - visitor: 36.4\n".utf8).write(to: URL(fileURLWithPath: folder + "/visitors.yaml"))
        let config = try SiteConfigLoader().parse(yaml: yaml, path: folder + "/site.yaml")
        #expect(config.sensors.first?.source == .simulated(scenario: folder + "/visitors.yaml", seed: 1))
    }

    @Test func everyShippedScenarioRunsInAConfig() throws {
        for name in ["morning-visitors", "fevers", "winter-entrance", "faults", "unstable"] {
            let yaml = SensorConfigTests.head + """
                  - name: sim
                    kind: simulated
                    scenario: \(repositoryRoot.path)/fixtures/sensors/\(name).yaml
                    displays: [entrance]
                """
            _ = try siteConfig(yaml)
        }
    }
}
