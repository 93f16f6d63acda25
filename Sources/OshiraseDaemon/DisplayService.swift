import Foundation
public import OshiraseDevices
package import OshiraseConfig
import ServiceLifecycle
import OshiraseCore

/// Opens a display's output; called on the display's own thread, again after a failure.
public typealias OutputOpener = @Sendable () throws(OutputError) -> FrameOutput

/// One display as a service: its frame loop on its own thread, ended by graceful shutdown.
package final class DisplayService: Service, Sendable {
    package let config: DisplayConfig
    package let state: DisplayState
    let context: DisplayContext
    let metrics: DisplayMetrics
    /// The loop runs alone on its own thread (see `run`), so its waits block that thread.
    let wakeup = Wakeup(blocksTheWaitingThread: true)
    let openOutput: OutputOpener
    /// The thermometer whose results the display's temperature panel shows.
    let sensor: SensorState?

    init(config: DisplayConfig, context: DisplayContext, metrics: DisplayMetrics, openOutput: @escaping OutputOpener,
         sensor: SensorState? = nil) {
        self.config = config
        self.context = context
        self.metrics = metrics
        self.openOutput = openOutput
        self.sensor = sensor
        state = DisplayState(status: DisplayStatus(
            name: config.name, profile: config.profile.name, output: config.output.kind, width: config.profile.width,
            height: config.profile.height, powered: true, items: [:], framesPresented: 0, frameRate: 0,
            configuredFrameRate: config.fps))
    }

    package func run() async throws {
        let executor = ThreadExecutor(name: "display-\(config.name)")
        defer { executor.shutdown() }
        let (config, context, state, metrics, wakeup, openOutput, sensor) =
            (self.config, self.context, self.state, self.metrics, self.wakeup, self.openOutput, self.sensor)
        await cancelWhenGracefulShutdown {
            await withTaskExecutorPreference(executor) {
                let loop = DisplayLoop(config: config, context: context, state: state, metrics: metrics,
                                       wakeup: wakeup, openOutput: openOutput, sensor: sensor)
                await withTaskCancellationHandler {
                    await loop.run()
                } onCancel: {
                    wakeup.signal()
                }
            }
        }
    }

    /// Makes the loop look again now (a reload, a power or alert change).
    package func wake() { wakeup.signal() }
}
