import Foundation

/// Seconds since this process started, from /proc (nil where /proc is not mounted).
package func processAgeSeconds() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
          let uptimeText = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
          let uptime = uptimeText.split(separator: " ").first.flatMap({ Double($0) }),
          let close = stat.lastIndex(of: ")") else { return nil }
    // Fields after the command name (which may hold spaces) start at field 3; starttime is field 22.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
    let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
    return uptime - ticks / max(1, hertz)
}
