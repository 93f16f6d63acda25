/// Lets a line through at most once per `interval` seconds, counting those held back.
struct RateLimitedLog: Sendable {
    let interval: Double
    private var last = -Double.infinity
    private var held = 0

    init(interval: Double) { self.interval = interval }

    /// Nil when this line is held back; else how many were held back since the last one.
    mutating func shouldLog(at now: Double) -> Int? {
        guard now - last >= interval else {
            held += 1
            return nil
        }
        defer { held = 0 }
        last = now
        return held
    }
}
