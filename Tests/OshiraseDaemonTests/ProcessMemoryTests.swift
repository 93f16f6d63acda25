import OshiraseCore
import OshiraseDaemon
import Testing

@Suite struct ProcessMemoryTests {
    /// Where glibc takes a block from also depends on the free space its heaps already hold, and
    /// in a test process that has run hundreds of tests that is anyone's guess (a check of the
    /// block's usable size passed alone and failed among the others). The effect on the daemon
    /// is measured by `scripts/abuse load` instead (docs/reliability.md); a C program without
    /// the setting got its second 1080p-sized block from a heap (usable size 8,294,408 bytes),
    /// and with it a mapping of its own each time (8,298,480 bytes: whole pages less 16).
    @Test("glibc accepts the daemon's fixed mmap threshold, which is below a frame's size")
    func theThresholdIsAccepted() {
        #expect(ProcessMemory.returnLargeBlocksWhenFreed())
        let smallest = DisplayProfile.ledVision
        #expect(Int(ProcessMemory.ownMappingThreshold) <= smallest.width * smallest.height * 4,
                "even the LED wall's \(smallest.width)×\(smallest.height) frame gets a mapping of its own")
    }
}
