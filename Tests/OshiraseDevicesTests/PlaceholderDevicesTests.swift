import Testing
@Test func placeholderDevices() {}
