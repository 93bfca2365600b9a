import HTTPTypes
import Hummingbird
import NIOCore

/// Scrubs the configured secrets (the API key) from every byte the gateway writes to a client: header
/// values, error bodies, relayed upstream errors, SSE frames and passthrough bodies alike. It uses the log's byte
/// search (``LogRedaction/redactSecrets(in:secret:replacement:)``) with a mask of the secret's own
/// length, so a `Content-Length` stays true, and it holds back a chunk's tail that could begin a
/// secret until the next chunk shows whether it does (a secret split across two writes is caught too).
struct SecretScrubber: Sendable {
    private let secrets: [[UInt8]]
    private let masks: [[UInt8]]
    /// The shortest secret's length: shorter text cannot hold one (most header values).
    private let shortest: Int

    init(secrets: [String]) {
        self.secrets = secrets.map { Array($0.utf8) }.filter { $0.count >= 8 }
        self.masks = self.secrets.map(LogRedaction.mask(for:))
        self.shortest = self.secrets.map(\.count).min() ?? .max
    }

    var isEmpty: Bool { secrets.isEmpty }

    /// `bytes` with every whole secret masked.
    func scrub(_ bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for (secret, mask) in zip(secrets, masks) {
            result = LogRedaction.redactSecrets(in: result, secret: secret, replacement: mask)
        }
        return result
    }

    /// How many bytes at the end of `bytes` are a proper prefix of a secret (and must wait for more).
    func partialSuffixLength(of bytes: [UInt8]) -> Int {
        var longest = 0
        for secret in secrets {
            let start = max(bytes.count - (secret.count - 1), 0)
            for index in start..<bytes.count where bytes.count - index > longest {
                if bytes[index...].elementsEqual(secret.prefix(bytes.count - index)) {
                    longest = bytes.count - index
                    break
                }
            }
        }
        return longest
    }

    /// `text` with every whole secret masked.
    func scrub(_ text: String) -> String {
        guard text.utf8.count >= shortest else { return text }
        let bytes = Array(text.utf8)
        let scrubbed = scrub(bytes)
        return scrubbed == bytes ? text : String(decoding: scrubbed, as: UTF8.self)
    }

    /// Masks every whole secret in the header values (an upstream header passed through, or an upstream
    /// request id, could quote the key).
    func scrub(_ headers: inout HTTPFields) {
        guard !isEmpty else { return }
        for index in headers.indices {
            headers[index].value = scrub(headers[index].value)
        }
    }

    /// `body`, written through a scrubbing writer.
    func scrubbing(_ body: ResponseBody) -> ResponseBody {
        guard !isEmpty else { return body }
        return ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(ScrubbingBodyWriter(parent: writer, scrubber: self))
        }
    }
}

/// Writes through ``SecretScrubber``, holding back at most a secret's length minus one byte.
struct ScrubbingBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let scrubber: SecretScrubber
    private var pending: [UInt8] = []

    init(parent: any ResponseBodyWriter, scrubber: SecretScrubber) {
        self.parent = parent
        self.scrubber = scrubber
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        var bytes = pending
        bytes.append(contentsOf: buffer.readableBytesView)
        bytes = scrubber.scrub(bytes)
        let held = scrubber.partialSuffixLength(of: bytes)
        pending = Array(bytes.suffix(held))
        bytes.removeLast(held)
        if !bytes.isEmpty { try await parent.write(ByteBuffer(bytes: bytes)) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        if !pending.isEmpty { try await parent.write(ByteBuffer(bytes: pending)) }
        try await parent.finish(trailingHeaders)
    }
}
