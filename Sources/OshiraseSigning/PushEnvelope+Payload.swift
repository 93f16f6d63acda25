/// The signed envelope inside one message, for channels without headers (the fleet broker):
/// `oshirase-v1 <keyid> <timestamp> <signature>\n` followed by the CAP bytes, signed exactly as
/// a push is, so the same verifier checks both (docs/fleet.md).
extension PushEnvelope {
    /// The first word of the envelope line.
    public static let payloadMarker = "oshirase-v1"
    /// The longest envelope line read: a key id, a timestamp and a base64 signature fit easily.
    static let maximumLineBytes = 512

    /// `headers` and `body` as one payload.
    public static func payload(body: [UInt8], headers: SignedHeaders) -> [UInt8] {
        Array("\(payloadMarker) \(headers.keyID) \(headers.timestamp) \(headers.signature)\n".utf8) + body
    }

    /// The envelope line as the three headers a push carries, and the body after it; a
    /// description of what is wrong when the payload does not start with such a line.
    public static func unwrap(payload: [UInt8]) -> Result<(headers: [String: String], body: ArraySlice<UInt8>), PayloadError> {
        guard let newline = payload.prefix(maximumLineBytes + 1).firstIndex(of: UInt8(ascii: "\n")) else {
            return .failure(PayloadError(payload.starts(with: Array(payloadMarker.utf8))
                ? "the envelope line is longer than \(maximumLineBytes) bytes or has no end"
                : "the message does not start with the signed envelope line (\(payloadMarker) KEY TIMESTAMP SIGNATURE)"))
        }
        let words = payload[..<newline].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard words.count == 4, words[0].elementsEqual(payloadMarker.utf8),
              words.dropFirst().allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 > 0x20 && $0 < 0x7f } }) else {
            return .failure(PayloadError("the envelope line is not '\(payloadMarker) KEY TIMESTAMP SIGNATURE' in printable ASCII"))
        }
        let text = words.map { String(decoding: $0, as: UTF8.self) }
        return .success(([keyHeader: text[1], timestampHeader: text[2], signatureHeader: text[3]],
                         payload[(newline + 1)...]))
    }
}

/// A message whose envelope line cannot be read.
public struct PayloadError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
