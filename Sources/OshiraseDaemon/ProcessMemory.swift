import CLinuxDevices

/// How the daemon's process hands memory back to the system (glibc's malloc).
///
/// A running box copies frames of up to 8 MB (1080p) for screenshots and encodes them on other
/// threads. By default glibc maps a block that large on its own only until the first one is
/// freed; from then on its threshold slides up to the freed size, and later frame-sized blocks
/// come from per-thread heaps that keep the memory after it is freed. Under a burst of
/// screenshot requests, that held tens of megabytes that never went back (docs/reliability.md).
package enum ProcessMemory {
    /// Blocks of this many bytes and more get a mapping of their own, unmapped when freed.
    package static let ownMappingThreshold: Int32 = 256 * 1024

    /// Fixes the threshold at `ownMappingThreshold` for the rest of the process. Call once,
    /// before the threads start; false if glibc refused.
    @discardableResult
    package static func returnLargeBlocksWhenFreed() -> Bool {
        oshirase_malloc_set_mmap_threshold(ownMappingThreshold) == 1
    }
}
