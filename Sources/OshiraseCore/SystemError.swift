import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The C library's words for an errno value ("No such file or directory"), as every message
/// about a file, device or socket gives them; "error N" for a value it has no words for.
public func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// The reason behind an error from Foundation's file APIs, in the C library's words when an errno
/// is behind it ("No such file or directory"), else Foundation's own description.
public func systemErrorText(of error: any Error) -> String {
    let e = error as NSError
    if e.domain == NSPOSIXErrorDomain { return systemErrorText(Int32(e.code)) }
    if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return systemErrorText(Int32(underlying.code))
    }
    switch e.code {
    case CocoaError.fileReadNoSuchFile.rawValue, CocoaError.fileNoSuchFile.rawValue: return systemErrorText(ENOENT)
    case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue: return systemErrorText(EACCES)
    default: return e.localizedDescription
    }
}
