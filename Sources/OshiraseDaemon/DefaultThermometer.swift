import Foundation
package import OshiraseCore
package import OshiraseDevices
package import OshiraseConfig

extension Daemon {
    /// The thermometer a sensor's config names: the GY-MCU90614 on its serial line, or the
    /// simulator, which plays its scenario (or random visitors) into a pseudo-terminal that the
    /// very same serial reader reads. Readings carry the daemon clock's time.
    package static func defaultThermometer(for sensor: SensorConfig, clock: any WallClock) throws -> any Thermometer {
        let now: @Sendable () -> Date = { clock.now() }
        switch sensor.source {
        case .gyMCU90614(let device, let baud):
            return GYMCU90614Thermometer(path: device, baud: baud, now: now)
        case .simulated(let path, let seed):
            let scenario = try path.map { path throws(SourceErrors) in try SensorScenarioLoader.load(path: path) }
                ?? SensorScenario.random(seed: seed)
            return SimulatedThermometer(scenario: scenario, now: now)
        }
    }
}
