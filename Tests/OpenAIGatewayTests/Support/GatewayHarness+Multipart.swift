import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import OpenAIClient

/// One part of a hand-built `multipart/form-data` body (built by hand, not with the gateway's encoder,
/// so tests can also send odd bodies: no filename, `filename*`, repeated fields).
struct TestPart: Sendable {
    enum Content: Sendable {
        case bytes([UInt8])
        /// `count` bytes generated chunk by chunk (`byte(at:)` of the offset), never held whole.
        case generated(count: Int)
    }

    var headers: String
    var content: Content

    static func field(_ name: String, _ value: String) -> TestPart {
        TestPart(headers: "Content-Disposition: form-data; name=\"\(name)\"\r\n", content: .bytes(Array(value.utf8)))
    }

    /// A file part. `filenameStar` adds `filename*=UTF-8''<value>` (already percent-encoded).
    static func file(
        _ name: String = "file",
        filename: String?,
        filenameStar: String? = nil,
        contentType: String? = "application/octet-stream",
        _ content: Content
    ) -> TestPart {
        var disposition = "Content-Disposition: form-data; name=\"\(name)\""
        if let filename { disposition += "; filename=\"\(filename)\"" }
        if let filenameStar { disposition += "; filename*=UTF-8''\(filenameStar)" }
        var headers = disposition + "\r\n"
        if let contentType { headers += "Content-Type: \(contentType)\r\n" }
        return TestPart(headers: headers, content: content)
    }

    static func file(_ name: String = "file", filename: String?, contentType: String? = "application/octet-stream", text: String) -> TestPart {
        file(name, filename: filename, contentType: contentType, .bytes(Array(text.utf8)))
    }

    var length: Int {
        switch content {
        case .bytes(let bytes): bytes.count
        case .generated(let count): count
        }
    }

    /// The deterministic content of `.generated` parts: a cycle of a prime length (so chunks never line
    /// up with it and a reordered chunk shows), varied, and with CR, LF and `-` in it.
    static let cycle: [UInt8] = (0..<65_521).map { offset in
        let pattern: [UInt8] = [13, 10, 45, 45, 0, 255, 66, 13, 10]
        return offset % 97 < 9 ? pattern[offset % 97] : UInt8(truncatingIfNeeded: offset &* 31 &+ offset >> 8)
    }

    static func byte(at offset: Int) -> UInt8 { cycle[offset % cycle.count] }
}

/// The body of a multipart request as an async sequence of chunks (64 KiB for generated content),
/// so a 25 MB upload is produced as it is sent.
struct MultipartTestBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let boundary: String
    let parts: [TestPart]
    static let chunkSize = 64 * 1024

    /// The exact byte count (sent as Content-Length).
    var length: Int {
        parts.reduce(0) { $0 + head(of: $1).utf8.count + $1.length + 2 } + "--\(boundary)--\r\n".utf8.count
    }

    func head(of part: TestPart) -> String { "--\(boundary)\r\n\(part.headers)\r\n" }

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: MultipartTestBody
        var partIndex = 0
        /// 0 = head next, 1 = content, 2 = tail; `offset` inside generated content.
        var stage = 0
        var offset = 0
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            guard partIndex < body.parts.count else {
                finished = true
                return ByteBuffer(string: "--\(body.boundary)--\r\n")
            }
            let part = body.parts[partIndex]
            switch stage {
            case 0:
                stage = 1
                offset = 0
                return ByteBuffer(string: body.head(of: part))
            case 1:
                switch part.content {
                case .bytes(let bytes):
                    stage = 2
                    return ByteBuffer(bytes: bytes)
                case .generated(let count):
                    let end = Swift.min(count, offset + MultipartTestBody.chunkSize)
                    var buffer = ByteBuffer()
                    buffer.reserveCapacity(end - offset)
                    while offset < end {
                        let start = offset % TestPart.cycle.count
                        let take = Swift.min(end - offset, TestPart.cycle.count - start)
                        buffer.writeBytes(TestPart.cycle[start..<(start + take)])
                        offset += take
                    }
                    if offset >= count { stage = 2 }
                    return buffer
                }
            default:
                stage = 0
                partIndex += 1
                return ByteBuffer(string: "\r\n")
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}

extension GatewayHarness {
    static let testBoundary = "----gateway-test-boundary-7MA4YWxkTrZu0gW"

    /// POSTs a multipart body to the gateway at `path`, streaming it.
    func upload(_ path: String, parts: [TestPart], contentLength: Bool = true) async throws -> HTTPResult {
        try await Self.postMultipart(url: baseURL + path, parts: parts, contentLength: contentLength)
    }

    /// POSTs a multipart body to any URL (the simulator directly, to seed odd data).
    static func postMultipart(url: String, parts: [TestPart], contentLength: Bool = true) async throws -> HTTPResult {
        let body = MultipartTestBody(boundary: testBoundary, parts: parts)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(testBoundary)")
        request.body = .stream(body, length: contentLength ? .known(Int64(body.length)) : .unknown)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(collected.readableBytesView))
    }
}
