import Foundation
import OshiraseCore
import Testing

@Suite("Temperature screening policy")
struct ScreeningTests {
    let t0 = Date(timeIntervalSince1970: 1_795_737_600)

    /// Feeds readings 1/14 s apart (the module's rate) from `start`; returns the results.
    func feed(_ screening: inout Screening, _ objects: [Double], ambient: Double = 22.0,
              from start: Double = 0) -> [ScreeningResult] {
        var results: [ScreeningResult] = []
        for (i, object) in objects.enumerated() {
            let r = ThermometerReading(object: object, ambient: ambient, time: t0.addingTimeInterval(start + Double(i) / 14))
            if let result = screening.take(r) { results.append(result) }
        }
        return results
    }

    @Test func aNormalVisitorGetsTheMedianOfTheStableWindow() {
        var s = Screening()
        let results = feed(&s, [24.0, 24.1, 31.0, 35.9, 36.3, 36.4, 36.5, 36.4, 36.3, 36.4, 36.5])
        #expect(results == [.normal(celsius: 36.4)])
        guard case .result(.normal(36.4), let until) = s.panel else {
            Issue.record("\(s.panel)")
            return
        }
        #expect(abs(until.timeIntervalSince(t0) - (10.0 / 14 + 5)) < 1e-6, "held for 5 s")
    }

    @Test func feverAtOrAboveTheThresholdAsShown() {
        var s = Screening()
        #expect(feed(&s, [37.5, 37.4, 37.5, 37.6, 37.5, 37.4, 37.5]) == [.fever(celsius: 37.5)])
        var lower = Screening(policy: ScreeningPolicy(feverThreshold: 38.0))
        #expect(feed(&lower, [37.5, 37.4, 37.5, 37.6, 37.5, 37.4, 37.5]) == [.normal(celsius: 37.5)])
    }

    @Test func implausibleValuesColdAirAndUnsteadyReadingsAskForARetry() {
        var hot = Screening()
        #expect(feed(&hot, Array(repeating: 43.0, count: 7)) == [.retry(.outOfRange)])
        var cool = Screening()
        #expect(feed(&cool, Array(repeating: 33.0, count: 7)) == [.retry(.outOfRange)])
        var cold = Screening()
        #expect(feed(&cold, Array(repeating: 36.5, count: 7), ambient: 4.0) == [.retry(.coldAmbient)])
        var unsteady = Screening()
        let swinging = (0..<70).map { $0 % 2 == 0 ? 35.0 : 36.5 }
        #expect(feed(&unsteady, swinging) == [.retry(.unstable)])
    }

    @Test func oneVisitorStandingStillGetsOneResultAndTheNextIsMeasuredAfterTheyLeave() {
        var s = Screening()
        let stay = Array(repeating: 36.6, count: 140)  // 10 s in front of the sensor
        #expect(feed(&s, stay).count == 1)
        #expect(feed(&s, [24.0, 24.0], from: 10).isEmpty)  // they step away
        #expect(feed(&s, Array(repeating: 36.2, count: 7), from: 11) == [.normal(celsius: 36.2)])
    }

    @Test func aResultGoesBackToThePromptAfterItsHoldTime() {
        var s = Screening()
        _ = feed(&s, Array(repeating: 36.6, count: 7))
        s.tick(at: t0.addingTimeInterval(2))
        #expect(s.panel != .idle)
        _ = feed(&s, [24.0], from: 2.5)
        s.tick(at: t0.addingTimeInterval(5.45))  // the result (from 6/14 s) was held until 5.43 s
        #expect(s.panel == .idle)
    }

    @Test func aSilentSensorIsOfflineAndNeverShowsAStaleValue() {
        var s = Screening()
        #expect(s.panel == .offline, "nothing heard yet")
        _ = feed(&s, Array(repeating: 36.6, count: 7))
        s.tick(at: t0.addingTimeInterval(2.9))
        #expect(s.panel != .offline)
        s.tick(at: t0.addingTimeInterval(0.5 + 3))
        #expect(s.panel == .offline, "3 s without a valid frame")
        _ = feed(&s, [24.0], from: 4)
        #expect(s.panel == .idle, "back with the prompt, not with the old result")
    }

    @Test func oneColdAmbientReadingDoesNotEndAVisitorsCheck() {
        var s = Screening()
        var results: [ScreeningResult] = []
        for i in 0..<7 {
            let r = ThermometerReading(object: 36.4, ambient: i == 3 ? 2.0 : 22.0, time: t0.addingTimeInterval(Double(i) / 14))
            if let result = s.take(r) { results.append(result) }
        }
        #expect(results == [.normal(celsius: 36.4)])
    }

    @Test func theNextVisitorNeverSeesThePreviousVisitorsNumber() {
        var s = Screening()
        #expect(feed(&s, Array(repeating: 37.9, count: 7)) == [.fever(celsius: 37.9)])
        _ = feed(&s, [24.0, 24.0], from: 1)  // they leave while the result is still held
        guard case .result = s.panel else {
            Issue.record("the result is held for 5 s: \(s.panel)")
            return
        }
        _ = feed(&s, [36.2], from: 1.5)  // someone new steps up
        #expect(s.panel == .measuring)
    }

    @Test func aWarmRoomIsNotAVisitor() {
        var s = Screening()
        // A summer entrance at 33 ℃: the background reads above the 32 ℃ threshold.
        #expect(feed(&s, Array(repeating: 33.8, count: 30), ambient: 33.0).isEmpty)
        #expect(s.panel == .idle)
        #expect(feed(&s, Array(repeating: 36.3, count: 7), ambient: 33.0, from: 3) == [.normal(celsius: 36.3)])
    }

    @Test func aClockSetBackNineHoursEndsAHeldResultAndTimesSilenceAfresh() {
        var s = Screening()
        _ = feed(&s, Array(repeating: 36.6, count: 7))
        let back = t0.addingTimeInterval(-9 * 3600)  // an RTC read as JST, then corrected by NTP
        s.tick(at: back)
        #expect(s.panel == .idle, "a result whose hold cannot be timed any more is gone")
        s.tick(at: back.addingTimeInterval(3))
        #expect(s.panel == .offline, "silent for 3 s after the step: offline, not never")
        var again = Screening()
        _ = feed(&again, Array(repeating: 36.6, count: 7))
        again.take(ThermometerReading(object: 24.0, ambient: 22.0, time: back))
        #expect(again.panel == .idle)
        #expect(again.nextChange == back.addingTimeInterval(3))
    }

    @Test func aDisconnectDropsAMeasurementInProgress() {
        var s = Screening()
        _ = feed(&s, [36.5, 36.5, 36.5])
        #expect(s.panel == .measuring)
        s.goOffline()
        #expect(s.panel == .offline)
        #expect(feed(&s, [36.5, 36.5, 36.5, 36.5], from: 1).isEmpty, "a window is not finished with readings from before")
    }
}

@Suite("Screening deadlines")
struct ScreeningDeadlineTests {
    let start = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func nextChangeIsTheResultsEndOrTheOfflineDeadlineWhicheverIsFirst() {
        var s = Screening(policy: ScreeningPolicy(stableCount: 3, resultHold: 2.0, offlineAfter: 3.0))
        #expect(s.nextChange == nil, "a sensor never heard from has nothing pending")
        s.take(ThermometerReading(object: 22.0, ambient: 22.0, time: start))
        #expect(s.nextChange == start.addingTimeInterval(3), "silent for 3 s from the last frame: offline")
        for i in 1...3 { s.take(ThermometerReading(object: 36.4, ambient: 22.0, time: start.addingTimeInterval(Double(i) * 0.1))) }
        #expect(s.nextChange == start.addingTimeInterval(0.3 + 2.0), "the result's hold ends before the offline deadline")
        s.goOffline()
        #expect(s.nextChange == nil)
    }
}
