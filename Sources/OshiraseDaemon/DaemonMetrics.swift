package import Prometheus

/// The daemon's Prometheus metrics (`GET /metrics`).
public final class DaemonMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    let reloadErrors: Counter
    /// Proof-of-play records and screening counts that were not stored.
    package let proofOfPlayLost: Counter
    /// 1 while the proof-of-play database cannot be written and records wait in memory.
    package let proofOfPlayStalled: Gauge

    /// The metrics on a registry of their own.
    public convenience init() {
        self.init(registry: PrometheusCollectorRegistry())
    }

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        reloadErrors = Self.counter(in: registry, "playlist_reload_errors",
                                    "Playlist file versions that failed to load (the previous version kept playing).", labels: [])
        proofOfPlayLost = Self.counter(in: registry, "proof_of_play_lost",
                                       "Proof-of-play records and screening counts not stored: the queue was full while the "
                                        + "database could not be written (disk full, read-only), or the database refused them.",
                                       labels: [])
        proofOfPlayStalled = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "oshirase", metricName: "proof_of_play_stalled", unitName: "",
            helpText: "1 while the proof-of-play database cannot be written and records wait in memory, else 0."), labels: [])
    }

    /// `oshirase_NAME_total`: a counter the registry hands back again for the same name and labels.
    private static func counter(in registry: PrometheusCollectorRegistry, _ name: String, _ help: String,
                                labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "oshirase", metricName: name, unitName: "total",
                                                              helpText: help), labels: labels)
    }

    /// The metrics of one display, labelled with its name.
    func display(_ name: String) -> DisplayMetrics {
        let labels = [("display", name)]
        return DisplayMetrics(
            framesPresented: Self.counter(in: registry, "frames_presented", "Frames handed to the display's output.", labels: labels),
            framesDropped: Self.counter(in: registry, "frames_dropped",
                                        "Animation frames skipped because rendering or the output fell behind.", labels: labels),
            renderTime: registry.makeDurationHistogram(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "render", unitName: "seconds",
                helpText: "Time to render and present one frame."), labels: labels,
                buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(4), .milliseconds(8),
                          .milliseconds(16), .milliseconds(33), .milliseconds(50), .milliseconds(100), .milliseconds(250)]),
            outputErrors: Self.counter(in: registry, "output_errors", "Failures to open or write the display's output device.",
                                       labels: labels))
    }

    /// The metrics of one temperature sensor, labelled with its name: counts and health only.
    func sensor(_ name: String) -> SensorMetrics {
        let labels = [("sensor", name)]
        let registry = self.registry
        return SensorMetrics(
            screenings: { className in
                Self.counter(in: registry, "screenings", "Temperature checks completed, per result class (normal, fever, retry).",
                             labels: labels + [("class", className)])
            },
            connected: registry.makeGauge(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "sensor_connected", unitName: "",
                helpText: "1 while the thermometer's device is open, else 0 (silence shows as the panel going offline)."), labels: labels),
            disconnects: Self.counter(in: registry, "sensor_disconnects", "Times the thermometer's device went away.", labels: labels),
            checksumErrors: Self.counter(in: registry, "sensor_checksum_errors", "Thermometer frames dropped for a bad checksum.",
                                         labels: labels),
            skippedBytes: Self.counter(in: registry, "sensor_skipped_bytes",
                                       "Bytes from the thermometer that were not part of a valid frame.", labels: labels))
    }

    /// The fleet link's metrics.
    func fleet() -> FleetMetrics {
        FleetMetrics(
            connected: registry.makeGauge(descriptor: MetricNameDescriptor(
                namespace: "oshirase", metricName: "fleet_connected", unitName: "",
                helpText: "1 while the box is connected to a fleet broker, else 0."), labels: []),
            connects: Self.counter(in: registry, "fleet_connects", "Connections made to a fleet broker.", labels: []),
            disconnects: Self.counter(in: registry, "fleet_disconnects", "Connections to a fleet broker that ended.", labels: []),
            messages: { [registry] outcome in
                Self.counter(in: registry, "fleet_alert_messages",
                             "Alert messages from the fleet broker, per outcome: accepted, duplicate, refused (unsigned, unknown key, bad signature, invalid CAP, another topic), dropped (more than 10,000 waiting).",
                             labels: [("outcome", outcome)])
            })
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
