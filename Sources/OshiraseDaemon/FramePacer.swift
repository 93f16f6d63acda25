import Foundation

/// Paces an animating display: frame deadlines `1 / fps` apart, frames whose time has passed
/// dropped (counted), a wake-up before the deadline (a reload) keeping the deadline.
struct FramePacer {
    /// When the next animated frame is due; nil when nothing animates.
    private(set) var deadline: Date?

    /// The deadline of the next frame after one drawn at `now` that finished at `finished`, and
    /// how many frames were dropped because drawing or the output overran.
    mutating func next(after now: Date, finished: Date, fps: Int) -> (due: Date, dropped: Int) {
        // Woken early: the frame due at the deadline is still due then.
        if let due = deadline, now < due { return (due, 0) }
        let interval = 1 / Double(max(1, fps))
        var next = (deadline ?? now).addingTimeInterval(interval)
        var dropped = 0
        if finished >= next {
            dropped = Int((finished.timeIntervalSince(next) / interval).rounded(.down)) + 1
            next = next.addingTimeInterval(Double(dropped) * interval)
        }
        deadline = next
        return (next, dropped)
    }

    /// Nothing animates any more, or the timeline was broken (a clock step, an error).
    mutating func reset() { deadline = nil }
}
