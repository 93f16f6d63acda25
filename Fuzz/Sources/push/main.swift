import Foundation
import FuzzSupport
import OshiraseSigning

// The signed push envelope: three headers and a body through PushVerifier; and the same bytes as
// a fleet broker's message, whose envelope is a line before the body (PushEnvelope.unwrap).
//
// Input layout: byte 0 holds flags, byte 1 a clock offset; then the `Oshirase-Key`,
// `Oshirase-Timestamp` and `Oshirase-Signature` values, one per line; the rest is the body.
// Random signatures never verify, so some flags make the harness sign the body properly with a
// key the verifier trusts: the fuzzer then gets past the signature to the replay memory.
enum PushHarness {
    /// A fixed key pair, so a finding reproduces with the same signature.
    static let signer: SigningKey? = try? SigningKey.parse("""
        oshirase-ed25519-private-v1
        id: cityhall-2026
        key: AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
        """, file: "fuzz.key")
    /// A second trusted key under the same id, as during a key rotation.
    static let rotated: SigningKey? = try? SigningKey.parse("""
        oshirase-ed25519-private-v1
        id: cityhall-2026
        key: ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4Q=
        """, file: "fuzz-rotated.key")
    /// The box's clock for every input, so a finding reproduces.
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    struct Flags {
        let bits: UInt8
        /// Replace the signature line with a real signature over the body.
        var signs: Bool { bits & 0x01 != 0 }
        /// Replace the key line with the trusted key's id.
        var usesTrustedKeyID: Bool { bits & 0x02 != 0 }
        /// Replace the timestamp line with the clock plus byte 1 as a signed offset.
        var usesFreshTimestamp: Bool { bits & 0x04 != 0 }
        /// Send header names in another case and a second, differently-cased copy of one.
        var mangledHeaders: Bool { bits & 0x08 != 0 }
        /// Sign with the rotated key instead.
        var signsWithRotatedKey: Bool { bits & 0x10 != 0 }
        /// A replay memory of one signature, so `full` is reachable.
        var tinyReplayMemory: Bool { bits & 0x20 != 0 }
    }

    static func run(_ bytes: [UInt8]) {
        guard bytes.count >= 2, let signer, let rotated else { return }
        let flags = Flags(bits: bytes[0])
        let offset = Int64(Int8(bitPattern: bytes[1]))
        var rest = bytes[2...]
        var lines: [String] = []
        for _ in 0..<3 {
            let end = rest.firstIndex(of: 0x0A) ?? rest.endIndex
            lines.append(String(decoding: rest[rest.startIndex..<end], as: UTF8.self))
            rest = end < rest.endIndex ? rest[(end + 1)...] : rest[end...]
        }
        let body = Array(rest)
        var keyID = lines[0], timestampText = lines[1], signature = lines[2]
        if flags.usesTrustedKeyID { keyID = signer.keyID }
        if flags.usesFreshTimestamp { timestampText = String(Int64(now.timeIntervalSince1970) + offset) }
        if flags.signs, let timestamp = Int64(timestampText),
           let signed = try? PushEnvelope.sign(body: body, key: flags.signsWithRotatedKey ? rotated : signer,
                                               timestamp: timestamp) {
            signature = signed.signature
            // As one broker message, the same signed headers come back out of the line.
            guard case .success(let unwrapped) = PushEnvelope.unwrap(payload: PushEnvelope.payload(body: body, headers: signed)) else {
                fatalError("a signed body wrapped as one message could not be unwrapped")
            }
            require(unwrapped.headers == signed.httpHeaders && Array(unwrapped.body) == body,
                    "the envelope line did not give back the headers and body it was made of")
        }
        // The input itself as a broker message: any bytes, read without a crash.
        if case .success(let unwrapped) = PushEnvelope.unwrap(payload: Array(bytes[2...])) {
            _ = PushVerifier(keys: [signer.trustedKey], maxSkew: 30 * 86_400)
                .verify(headers: unwrapped.headers, body: Array(unwrapped.body), now: now)
        }
        var headers = [PushEnvelope.keyHeader: keyID, PushEnvelope.timestampHeader: timestampText,
                       PushEnvelope.signatureHeader: signature, "Content-Type": "application/cap+xml"]
        if flags.mangledHeaders {
            headers = Dictionary(headers.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            headers[PushEnvelope.keyHeader.lowercased()] = String(keyID.reversed())
        }
        let verifier = PushVerifier(keys: [signer.trustedKey, rotated.trustedKey],
                                    replayGuard: flags.tinyReplayMemory ? ReplayGuard(retention: 600, capacity: 1) : nil)
        let first = verifier.verify(headers: headers, body: body, now: now)
        let second = verifier.verify(headers: headers, body: body, now: now)
        if flags.tinyReplayMemory, case .success(let verified) = first,
           let again = try? PushEnvelope.sign(body: body, key: signer, timestamp: verified.timestamp + 1) {
            // Another valid push while the one-signature memory is still full.
            _ = verifier.verify(headers: again.httpHeaders, body: body, now: now)
        }

        // What must hold whatever the input: a request accepted once is a replay the second time,
        // and one properly signed, fresh, plainly sent request within the size limit is accepted.
        if case .success = first {
            require(second == .failure(.replayed), "an accepted push was not refused as a replay: \(second)")
        }
        let plainlySigned = flags.signs && flags.usesTrustedKeyID && flags.usesFreshTimestamp && !flags.mangledHeaders
        if plainlySigned && body.count <= PushEnvelope.maximumBodySize {
            guard case .success(let verified) = first else {
                fatalError("a properly signed push was refused: \(first)")
            }
            require(verified.keyID == signer.keyID && verified.timestamp == Int64(now.timeIntervalSince1970) + offset,
                         "the verified push names the wrong key or time")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    PushHarness.run(fuzzBytes(data, size))
    return 0
}

runLibFuzzer(fuzz)
