import Prometheus

/// The daemon's Prometheus metrics (`GET /metrics`).
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let reloadErrors: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        reloadErrors = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "oshirase", metricName: "playlist_reload_errors", unitName: "total",
            helpText: "Playlist file versions that failed to load (the previous version kept playing)."), labels: [])
    }

    /// The metrics of one display, labelled with its name.
    func display(_ name: String) -> DisplayMetrics {
        let labels = [("display", name)]
        return DisplayMetrics(
            framesPresented: registry.makeCounter(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "frames_presented", unitName: "total",
                helpText: "Frames handed to the display's output."), labels: labels),
            framesDropped: registry.makeCounter(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "frames_dropped", unitName: "total",
                helpText: "Animation frames skipped because rendering or the output fell behind."), labels: labels),
            renderTime: registry.makeDurationHistogram(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "render", unitName: "seconds",
                helpText: "Time to render and present one frame."), labels: labels,
                buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(4), .milliseconds(8),
                          .milliseconds(16), .milliseconds(33), .milliseconds(50), .milliseconds(100), .milliseconds(250)]),
            outputErrors: registry.makeCounter(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "output_errors", unitName: "total",
                helpText: "Failures to open or write the display's output device."), labels: labels))
    }

    /// The metrics of one temperature sensor, labelled with its name: counts and health only.
    func sensor(_ name: String) -> SensorMetrics {
        let labels = [("sensor", name)]
        let registry = self.registry
        return SensorMetrics(
            screenings: { className in
                registry.makeCounter(descriptor: MetricNameDescriptor(
                    namespace: "oshirase", metricName: "screenings", unitName: "total",
                    helpText: "Temperature checks completed, per result class (normal, fever, retry)."),
                    labels: labels + [("class", className)])
            },
            connected: registry.makeGauge(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "sensor_connected", unitName: "",
                helpText: "1 while the thermometer's device is open and sending, else 0."), labels: labels),
            disconnects: registry.makeCounter(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "sensor_disconnects", unitName: "total",
                helpText: "Times the thermometer's device went away."), labels: labels),
            checksumErrors: registry.makeCounter(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "sensor_checksum_errors", unitName: "total",
                helpText: "Thermometer frames dropped for a bad checksum."), labels: labels),
            skippedBytes: registry.makeCounter(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "sensor_skipped_bytes", unitName: "total",
                helpText: "Bytes from the thermometer that were not part of a valid frame."), labels: labels))
    }

    /// Every metric in the Prometheus text exposition format.
    public func text() -> String { registry.emitToString() }
}

struct DisplayMetrics: Sendable {
    let framesPresented: Counter
    let framesDropped: Counter
    let renderTime: DurationHistogram
    let outputErrors: Counter
}

struct SensorMetrics: Sendable {
    /// The counter of one result class (the registry hands back the same counter for the same labels).
    let screenings: @Sendable (String) -> Counter
    let connected: Gauge
    let disconnects: Counter
    let checksumErrors: Counter
    let skippedBytes: Counter
}
