#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import OshiraseCore

/// Reading and writing the key files `oshirase keygen` makes: `NAME.key` (private, mode 0600)
/// and `NAME.pub` (the one line a box's config trusts).
public enum KeyFiles {
    /// Key files are a few lines; anything bigger is not one, and is not read whole.
    static let maximumFileSize = 4096

    /// Where `keygen --out NAME` writes: `NAME.key` and `NAME.pub`. A trailing `.key` or `.pub`
    /// on NAME is dropped, so `--out cityhall.key` does not make `cityhall.key.key`.
    package static func paths(forOutput name: String) -> (privateKey: String, publicKey: String) {
        var base = name
        for suffix in [".key", ".pub"] where base.hasSuffix(suffix) && base.count > suffix.count {
            base.removeLast(suffix.count)
        }
        return (base + ".key", base + ".pub")
    }

    /// The key id `keygen` uses when `--id` is not given: the last path component of NAME
    /// (without `.key`/`.pub`).
    package static func defaultKeyID(forOutput name: String) -> String {
        let base = paths(forOutput: name).privateKey.dropLast(4)
        return base.split(separator: "/").last.map(String.init) ?? String(base)
    }

    /// Reads a private key file, refusing one that group or others may access (as ssh does:
    /// a key others can read may already be copied, and signs evacuation orders).
    package static func loadSigningKey(path: String) throws(KeyFileError) -> SigningKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw KeyFileError(.io, "cannot open the private key: \(systemErrorText(errno))", file: path)
        }
        defer { close(fd) }
        // Checking the opened descriptor, not the path, so the mode checked is that of the file read.
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw KeyFileError(.io, "cannot inspect the private key: \(systemErrorText(errno))", file: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw KeyFileError(.io, "not a regular file; give the NAME.key file written by `oshirase keygen`", file: path)
        }
        let text = try readSmallFile(fd: fd, path: path, what: "private key")
        // A .pub given by mistake is named as such, rather than blamed on its (public) mode.
        if text.hasPrefix(TrustedKey.linePrefix + " ") {
            return try SigningKey.parse(text, file: path)
        }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw KeyFileError(.permissionsTooOpen,
                               "the private key is accessible to other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)` and, if others may have copied it, make a new key with `oshirase keygen`",
                               file: path)
        }
        return try SigningKey.parse(text, file: path)
    }

    /// Reads a `.pub` file (one line) into the key it names.
    public static func loadTrustedKey(path: String) throws(KeyFileError) -> TrustedKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw KeyFileError(.io, "cannot open the public key: \(systemErrorText(errno))", file: path)
        }
        defer { close(fd) }
        let text = try readSmallFile(fd: fd, path: path, what: "public key")
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let content = lines.enumerated().filter { !$0.element.isEmpty }
        // A .key file has several lines: its first is read as a key line would be, so that the
        // one rule (TrustedKey.parse) says it is a private key, not "expected one line".
        if content.count > 1, let first = content.first, TrustedKey.looksPrivate(first.element) {
            _ = try TrustedKey.parse(first.element, file: path, line: first.offset + 1)
        }
        guard content.count == 1, let only = content.first else {
            throw KeyFileError(.malformedLine,
                               content.isEmpty ? "the file is empty; expected one line 'oshirase-ed25519 KEYID BASE64'"
                                               : "expected one line 'oshirase-ed25519 KEYID BASE64', found \(content.count)",
                               file: path)
        }
        return try TrustedKey.parse(only.element, file: path, line: only.offset + 1)
    }

    /// Writes `key` as `NAME.key` (mode 0600) and `NAME.pub`, all or nothing.
    ///
    /// Each file is written to a temporary file in the same directory and renamed into place, so
    /// a crash never leaves half a key. Without `force`, an existing file of either name stops
    /// everything before anything is written; if the `.pub` cannot be placed after the `.key`
    /// was, the `.key` is removed again.
    /// - Returns: the paths written.
    @discardableResult
    package static func writeKeyPair(_ key: SigningKey, output name: String, force: Bool)
        throws(KeyFileError) -> (privateKey: String, publicKey: String)
    {
        let (keyPath, pubPath) = paths(forOutput: name)
        if !force {
            for path in [keyPath, pubPath] where fileExists(path) {
                throw KeyFileError(.exists,
                                   "already exists; pass --force to replace it (boxes that trust the old key then reject pushes signed with the new one until their config is updated)",
                                   file: path)
            }
        }
        let keyTemp = try writeTemporary(Array(key.fileText.utf8), beside: keyPath, mode: 0o600)
        let pubTemp: String
        do {
            pubTemp = try writeTemporary(Array((key.trustedKey.line + "\n").utf8), beside: pubPath, mode: 0o644)
        } catch {
            unlink(keyTemp)
            throw error
        }
        do {
            try place(keyTemp, at: keyPath, force: force)
        } catch {
            unlink(keyTemp)
            unlink(pubTemp)
            throw error
        }
        do {
            try place(pubTemp, at: pubPath, force: force)
        } catch {
            unlink(pubTemp)
            unlink(keyPath)
            throw error
        }
        syncDirectory(of: keyPath)
        return (keyPath, pubPath)
    }

    private static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private static func readSmallFile(fd: Int32, path: String, what: String) throws(KeyFileError) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw KeyFileError(.io, "cannot read the \(what): \(systemErrorText(errno))", file: path)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maximumFileSize {
                throw KeyFileError(.malformedLine,
                                   "larger than \(maximumFileSize) bytes, so not a key file written by `oshirase keygen`",
                                   file: path)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw KeyFileError(.wrongHeader, "not text, so not a key file written by `oshirase keygen`", file: path)
        }
        return text
    }

    /// Writes bytes to a new temporary file next to `path`, synced to disk; returns its path.
    private static func writeTemporary(_ bytes: [UInt8], beside path: String, mode: mode_t) throws(KeyFileError) -> String {
        let (directory, name) = split(path)
        let temp = directory + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // O_EXCL: never write through a file (or link) someone else put there.
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw KeyFileError(.io, "cannot create a file here: \(systemErrorText(errno))", file: path)
        }
        var failure: String?
        // The umask may only narrow the mode; set it exactly so a .pub is readable as documented.
        if fchmod(fd, mode) != 0 { failure = systemErrorText(errno) }
        var offset = 0
        while failure == nil && offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = systemErrorText(errno)
            } else {
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = systemErrorText(errno) }
        if close(fd) != 0 && failure == nil { failure = systemErrorText(errno) }
        if let failure {
            unlink(temp)
            throw KeyFileError(.io, "cannot write: \(failure)", file: path)
        }
        return temp
    }

    /// Moves a temporary file to its final name. Without `force`, `link` then `unlink` refuses
    /// atomically if the name appeared since the first check (rename would replace it).
    private static func place(_ temp: String, at path: String, force: Bool) throws(KeyFileError) {
        if force {
            guard rename(temp, path) == 0 else {
                throw KeyFileError(.io, "cannot write: \(systemErrorText(errno))", file: path)
            }
            return
        }
        if link(temp, path) == 0 {
            unlink(temp)
            return
        }
        let linkError = errno
        if linkError == EEXIST {
            throw KeyFileError(.exists, "already exists; pass --force to replace it", file: path)
        }
        // Some file systems (FAT on a USB stick) have no hard links: check, then rename.
        if (linkError == EPERM || linkError == EOPNOTSUPP || linkError == EXDEV) && !fileExists(path) {
            guard rename(temp, path) == 0 else {
                throw KeyFileError(.io, "cannot write: \(systemErrorText(errno))", file: path)
            }
            return
        }
        throw KeyFileError(.io, "cannot write: \(systemErrorText(linkError))", file: path)
    }

    /// Makes the renames durable; a failure here is not worth failing keygen over.
    private static func syncDirectory(of path: String) {
        let directory = split(path).directory
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// The directory part of a path (with its trailing '/', or empty) and the file name.
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}
