import Foundation
@testable import OshiraseDevices
import Testing

/// The real device's error paths; these machines have no /dev/fb*, so the happy path runs in QEMU.
@Suite struct LinuxFramebufferDeviceTests {
    @Test func aMissingDeviceSaysThereIsNoFramebufferThere() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/fb7"
        let error = #expect(throws: OutputError.self) { try FramebufferOutput.open(path: path) }
        #expect(error?.message.hasPrefix("no framebuffer at \(path): No such file or directory") == true)
        #expect(error?.message.contains("ls /dev/fb*") == true)
    }

    @Test func permissionDeniedPointsToTheVideoGroup() {
        // Tests run as root here, so the message is checked for the errno the kernel would give.
        let error = LinuxFramebufferDevice.openError(path: "/dev/fb0", errno: EACCES)
        #expect(error.message.hasPrefix("cannot open /dev/fb0: Permission denied"))
        #expect(error.message.contains("`video` group"))
    }

    @Test func aFileThatIsNotAFramebufferIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/not-a-framebuffer"
        try Data(repeating: 0, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: OutputError.self) { try LinuxFramebufferDevice(path: path) }
        #expect(error?.message.hasPrefix("\(path) is not a framebuffer device") == true)
    }
}

@Suite struct OutputFactoryTests {
    @Test func opensMemoryAndPNGOutputsAtTheFrameSize() throws {
        let dir = try TemporaryDirectory()
        let memory = try OutputFactory.open(.memory, displayName: "lobby", frameSize: (width: 384, height: 216))
        #expect(memory is MemoryOutput)
        #expect(memory.screenWidth == 384 && memory.screenHeight == 216)
        #expect(memory.description == "memory lobby 384×216")

        let png = try OutputFactory.open(.pngDirectory(directory: dir.path + "/frames", minimumInterval: 1),
                                         displayName: "led-wall", frameSize: (width: 384, height: 216))
        #expect((png as? PNGDirectoryOutput)?.path == dir.path + "/frames/led-wall.png")
    }

    @Test func aMissingFramebufferIsAClearError() {
        let error = #expect(throws: OutputError.self) {
            try OutputFactory.open(.fbdev(device: "/dev/fb-oshirase-none"), displayName: "lobby",
                                   frameSize: (width: 1920, height: 1080))
        }
        #expect(error?.message.hasPrefix("no framebuffer at /dev/fb-oshirase-none") == true)
    }

    @Test func aFrameWithoutPixelsIsRefused() {
        let error = #expect(throws: OutputError.self) {
            try OutputFactory.open(.memory, displayName: "lobby", frameSize: (width: 0, height: 1080))
        }
        #expect(error?.message == "memory output of lobby: the frame has no pixels (0×1080)")
    }
}
