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

    /// Every metric in the Prometheus text exposition format.
    public func text() -> String { registry.emitToString() }
}

struct DisplayMetrics: Sendable {
    let framesPresented: Counter
    let framesDropped: Counter
    let renderTime: DurationHistogram
    let outputErrors: Counter
}
