import Testing
@Test func placeholderDaemon() {}
