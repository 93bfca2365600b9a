import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

/// One part as reassembled from the events.
private struct Part: Equatable, CustomStringConvertible {
    var name: String?
    var filename: String?
    var contentType: String?
    var body: [UInt8]
    var description: String { "Part(\(name ?? "nil"), \(filename ?? "nil"), \(contentType ?? "nil"), \(body.count) bytes)" }
}

private enum Chunking: CustomStringConvertible {
    case whole, bytes
    case random(seed: UInt64)
    var description: String {
        switch self {
        case .whole: "whole"
        case .bytes: "one byte at a time"
        case .random(let seed): "random chunks (seed \(seed))"
        }
    }
    static let all: [Chunking] = [.whole, .bytes, .random(seed: 1), .random(seed: 2), .random(seed: 42)]

    func split(_ bytes: [UInt8]) -> [[UInt8]] {
        switch self {
        case .whole: return [bytes]
        case .bytes: return bytes.map { [$0] }
        case .random(let seed):
            var generator = SplitMix64(seed: seed)
            var chunks: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let size = min(Int.random(in: 1...4096, using: &generator), bytes.count - index)
                chunks.append(Array(bytes[index..<index + size]))
                index += size
            }
            return chunks
        }
    }
}

/// Feeds the body in chunks, checks the event grammar and reassembles the parts.
private func parse(
    _ body: [UInt8],
    boundary: String,
    chunking: Chunking = .whole,
    maxHeaderBytes: Int = 16 * 1024
) throws -> [Part] {
    var parser = MultipartParser(boundary: boundary, maxHeaderBytes: maxHeaderBytes)
    var parts: [Part] = []
    var current: Part?
    var ended = false
    for chunk in chunking.split(body) {
        parser.append(ByteBuffer(bytes: chunk))
        while let event = try parser.next() {
            #expect(!ended, "an event after .end")
            switch event {
            case .head(let head):
                #expect(current == nil, "a head inside a part")
                current = Part(name: head.name, filename: head.filename, contentType: head.contentType, body: [])
            case .body(let bytes):
                #expect(bytes.readableBytes > 0, "an empty body event")
                current?.body.append(contentsOf: bytes.readableBytesView)
                #expect(current != nil, "body outside a part")
            case .partEnd:
                if let part = current { parts.append(part) }
                #expect(current != nil, "partEnd outside a part")
                current = nil
            case .end:
                #expect(current == nil, "end inside a part")
                ended = true
            }
        }
    }
    try parser.finish()
    #expect(ended)
    return parts
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// Encodes parts with the encoder: files when a filename is given, fields otherwise.
private func encode(_ parts: [Part], encoder: MultipartEncoder) -> [UInt8] {
    var body = ByteBuffer()
    for part in parts {
        if let filename = part.filename {
            body.writeImmutableBuffer(
                encoder.fileHead(
                    name: part.name ?? "",
                    filename: filename,
                    contentType: part.contentType ?? "application/octet-stream"
                )
            )
            body.writeBytes(part.body)
            body.writeImmutableBuffer(encoder.fileTail)
        } else {
            body.writeImmutableBuffer(encoder.field(name: part.name ?? "", value: String(decoding: part.body, as: UTF8.self)))
        }
    }
    body.writeImmutableBuffer(encoder.closing)
    return Array(body.readableBytesView)
}

@Suite struct MultipartParserTests {
    static let boundary = "----openai-gateway-AbCdEfGhIjKlMnOpQrStUvWx"

    /// Bodies that look like delimiters but are not, and the boundary's own bytes in odd places.
    static let trickyBodies: [[UInt8]] = {
        let b = Array(boundary.utf8)
        return [
            [],
            bytes("\r"), bytes("\n"), bytes("\r\n"), bytes("--"), bytes("\r\n--"), bytes("\r\n-"),
            bytes("a\r\n--") + b.dropLast() + bytes("b"),
            bytes("\r\n--") + b.dropLast(),
            bytes("\r\n--") + b.dropLast() + bytes("\r\n--") + b.dropLast() + bytes("X"),
            b + bytes("--") + b,
            bytes("--") + b,
            bytes("\r\r\n\r\n-\r\n--\r\n--") + b.prefix(5) + bytes("\r\n"),
            randomBytes(10_000, seed: 7),
            Array(repeating: UInt8(ascii: "\r"), count: 300) + Array(repeating: UInt8(ascii: "\n"), count: 300),
        ]
    }()

    @Test(arguments: Chunking.all)
    fileprivate func encoderRoundTrip(chunking: Chunking) throws {
        let encoder = MultipartEncoder(boundary: Self.boundary)
        var parts: [Part] = [
            Part(name: "purpose", filename: nil, contentType: nil, body: bytes("fine-tune")),
            Part(name: "file", filename: "data.jsonl", contentType: "application/jsonl", body: randomBytes(50_000, seed: 3)),
            Part(name: "empty", filename: nil, contentType: nil, body: []),
            Part(name: "emptyfile", filename: "empty.bin", contentType: "application/octet-stream", body: []),
        ]
        for (index, body) in Self.trickyBodies.enumerated() {
            parts.append(Part(name: "tricky\(index)", filename: "t\(index).bin", contentType: "application/octet-stream", body: body))
        }
        let decoded = try parse(encode(parts, encoder: encoder), boundary: Self.boundary, chunking: chunking)
        #expect(decoded == parts)
    }

    /// Every position at which the input can be cut in two, so each delimiter, its dashes and its
    /// line ends are split at every byte.
    @Test func everyTwoChunkSplit() throws {
        let boundary = "xyz"
        let parts = [
            Part(name: "a", filename: "a.bin", contentType: "application/octet-stream", body: bytes("\r\n--xy\r\n--xyZ\r")),
            Part(name: "b", filename: nil, contentType: nil, body: bytes("--xyz")),
        ]
        let body = encode(parts, encoder: MultipartEncoder(boundary: boundary))
        for split in 0...body.count {
            var parser = MultipartParser(boundary: boundary)
            var events: [MultipartEvent] = []
            for chunk in [Array(body[..<split]), Array(body[split...])] {
                parser.append(ByteBuffer(bytes: chunk))
                while let event = try parser.next() { events.append(event) }
            }
            try parser.finish()
            #expect(events.last == .end, "split at \(split)")
            let bodies = events.reduce(into: [UInt8]()) { result, event in
                if case .body(let bytes) = event { result += bytes.readableBytesView }
            }
            #expect(bodies == parts[0].body + parts[1].body, "split at \(split)")
        }
    }

    @Test func manyParts() throws {
        let encoder = MultipartEncoder()
        let parts = (0..<1000).map { Part(name: "field\($0)", filename: nil, contentType: nil, body: bytes("value \($0)")) }
        let body = encode(parts, encoder: encoder)
        #expect(try parse(body, boundary: encoder.boundary) == parts)
        #expect(try parse(body, boundary: encoder.boundary, chunking: .random(seed: 9)) == parts)
    }

    @Test(arguments: Chunking.all)
    fileprivate func curlBodyWithPreambleAndEpilogue(chunking: Chunking) throws {
        // What `curl -F purpose=batch -F file=@in.jsonl` sends, plus a preamble and an epilogue.
        let boundary = "------------------------d74496d66958873e"
        let body = bytes(
            "This is a preamble.\r\n--\(boundary)\r\n"
                + "Content-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--\(boundary)\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n{\"a\":1}\n{\"b\":2}\n\r\n"
                + "--\(boundary)--   \r\nepilogue --\(boundary)\r\nContent-Disposition: x\r\n\r\n"
        )
        let parts = try parse(body, boundary: boundary, chunking: chunking)
        #expect(
            parts == [
                Part(name: "purpose", filename: nil, contentType: nil, body: bytes("batch")),
                Part(
                    name: "file",
                    filename: "in.jsonl",
                    contentType: "application/octet-stream",
                    body: bytes("{\"a\":1}\n{\"b\":2}\n")
                ),
            ]
        )
    }

    @Test func pythonRequestsAndHttpxBodies() throws {
        // requests: hex boundary, no Content-Type on fields, CRLF after the closing delimiter.
        let requests = "3c6b3d3e9f0c4f5b8a0d2f6e7c1b9a08"
        let requestsBody = bytes(
            "--\(requests)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
                + "--\(requests)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n"
                + "Content-Type: audio/mpeg\r\n\r\nID3\r\n--\(requests)--\r\n"
        )
        #expect(
            try parse(requestsBody, boundary: requests) == [
                Part(name: "model", filename: nil, contentType: nil, body: bytes("whisper-1")),
                Part(name: "file", filename: "a.mp3", contentType: "audio/mpeg", body: bytes("ID3")),
            ]
        )
        // httpx: lower-case header names, bare LF header lines tolerated, padding after a delimiter.
        let httpx = "a1b2c3"
        let httpxBody = bytes(
            "--\(httpx) \t\r\ncontent-disposition: form-data; name=\"purpose\"\ncontent-type: text/plain\n\n"
                + "assistants\r\n--\(httpx)--"
        )
        let head = try #require(try events(httpxBody, boundary: httpx).compactMap { if case .head(let h) = $0 { h } else { nil } }.first)
        #expect(head.name == "purpose")
        #expect(head.contentType == "text/plain")
        #expect(head.headers == ["content-disposition": "form-data; name=\"purpose\"", "content-type": "text/plain"])
    }

    @Test func emptyMultipartAndNamelessPart() throws {
        #expect(try parse(bytes("--b--\r\n"), boundary: "b") == [])
        let parts = try parse(bytes("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"), boundary: "b")
        #expect(parts == [Part(name: nil, filename: nil, contentType: "text/plain", body: bytes("x"))])
    }

    @Test func filenameParameters() throws {
        func filename(_ disposition: String) throws -> String? {
            let body = bytes("--b\r\nContent-Disposition: \(disposition)\r\n\r\n\r\n--b--")
            return try parse(body, boundary: "b").first?.filename
        }
        #expect(try filename("form-data; name=\"f\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf") == "résumé.pdf")
        #expect(try filename("form-data; name=\"f\"; filename=\"resume.pdf\"; filename*=utf-8'en'r%C3%A9sum%C3%A9.pdf") == "résumé.pdf")
        #expect(try filename("form-data; filename*=ISO-8859-1''caf%E9.txt; name=f") == "café.txt")
        #expect(try filename("form-data; name=\"f\"; filename=\"fall;back.txt\"; filename*=bogus") == "fall;back.txt")
        #expect(try filename(#"form-data; name="f"; filename="a \"quoted\" \\ name.txt""#) == #"a "quoted" \ name.txt"#)
        #expect(try filename(#"form-data; name="f"; filename="C:\dir\b.txt""#) == #"C:\dir\b.txt"#)
        #expect(try filename("form-data; name=\"f\"; filename=\"résumé.pdf\"") == "résumé.pdf")
        #expect(try filename("form-data; name=\"f\"") == nil)
    }

    @Test func encoderQuotesSafely() throws {
        let encoder = MultipartEncoder(boundary: "b")
        let field = String(buffer: encoder.field(name: "a\"b\\c\r\nX-Injected: 1", value: "v"))
        #expect(field == "--b\r\nContent-Disposition: form-data; name=\"a\\\"b\\\\cX-Injected: 1\"\r\n\r\nv\r\n")
        let head = String(buffer: encoder.fileHead(name: "file", filename: "résumé \"v2\".pdf", contentType: "application/pdf\r\nX: y"))
        #expect(
            head == "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r_sum_ \\\"v2\\\".pdf\"; "
                + "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.pdf\r\nContent-Type: application/pdfX: y\r\n\r\n"
        )
        let parts = try parse(
            encode([Part(name: "x\r\ny", filename: "日本\r\n語.txt", contentType: "text/plain", body: bytes("1"))], encoder: encoder),
            boundary: "b"
        )
        #expect(parts == [Part(name: "xy", filename: "日本語.txt", contentType: "text/plain", body: bytes("1"))])
        #expect(String(buffer: encoder.closing) == "--b--\r\n")
        #expect(String(buffer: encoder.fileTail) == "\r\n")
    }

    @Test func randomBoundaryAndContentType() throws {
        let first = MultipartEncoder.randomBoundary()
        #expect(first.hasPrefix("----openai-gateway-") && first.count == 19 + 24)
        #expect(first != MultipartEncoder.randomBoundary())
        let encoder = MultipartEncoder(boundary: first)
        #expect(encoder.contentType == "multipart/form-data; boundary=\(first)")
        #expect(MultipartParser.boundary(fromContentType: encoder.contentType) == first)
        #expect(MultipartEncoder(boundary: "a b:c").contentType == "multipart/form-data; boundary=\"a b:c\"")
    }

    @Test func boundaryFromContentType() {
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartParser.boundary(fromContentType: "Multipart/Form-Data;BOUNDARY=\"a b;c\"; charset=utf-8") == "a b;c")
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; charset=utf-8; boundary = x ") == "x")
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\"\"") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 70)) != nil)
        #expect(MultipartParser.boundary(fromContentType: "application/json; boundary=abc") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\"a\r\nb\"") == nil)
    }

    @Test func malformedInputsThrow() throws {
        func failure(_ body: [UInt8], boundary: String = "b", maxHeaderBytes: Int = 16 * 1024) -> String? {
            do {
                _ = try parse(body, boundary: boundary, chunking: .random(seed: 5), maxHeaderBytes: maxHeaderBytes)
                return nil
            } catch {
                return (error as? MultipartError)?.reason ?? "\(error)"
            }
        }
        let bigHeader = "--b\r\nContent-Disposition: form-data; name=\"\(String(repeating: "n", count: 2000))\"\r\n\r\nx\r\n--b--"
        #expect(failure(bytes(bigHeader), maxHeaderBytes: 1024)?.contains("exceed") == true)
        #expect(failure(bytes(bigHeader), maxHeaderBytes: 4096) == nil)
        // A header line that never ends is refused without waiting for the rest.
        #expect(failure(bytes("--b\r\nX: " + String(repeating: "y", count: 5000)), maxHeaderBytes: 1024)?.contains("exceed") == true)
        #expect(failure(bytes("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunfinished")) == "the multipart body ended early")
        #expect(failure(bytes("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b")) == "the multipart body ended early")
        #expect(failure(bytes("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n")) == "the multipart body ended early")
        #expect(failure(bytes("not multipart at all")) == "the multipart body ended early")
        #expect(failure([]) == "the multipart body ended early")
        #expect(failure(randomBytes(100_000, seed: 11), maxHeaderBytes: 1024)?.contains("no multipart boundary") == true)
        #expect(failure(bytes("--bX\r\n\r\n\r\n--b--"))?.contains("after a multipart boundary") == true)
        #expect(failure(bytes("--b-x"))?.contains("after a multipart boundary") == true)
        #expect(failure(bytes("--b\r\nno colon here\r\n\r\n\r\n--b--"))?.contains("header line") == true)
    }

    @Test func appendAfterEndIsIgnored() throws {
        var parser = MultipartParser(boundary: "b")
        parser.append(ByteBuffer(string: "--b--"))
        #expect(try parser.next() == .end)
        parser.append(ByteBuffer(string: "\r\n--b\r\n\r\nmore"))
        #expect(try parser.next() == nil)
        try parser.finish()
    }

    /// A 64 MiB file part in 64 KiB chunks must parse quickly even in a debug build.
    @Test func largeBodyThroughput() throws {
        let encoder = MultipartEncoder()
        let chunkSize = 64 * 1024
        let chunkCount = 1024
        var chunk = ByteBuffer(bytes: randomBytes(chunkSize, seed: 13))
        // Text-like CRLFs and near-delimiters every so often, and a chunk that ends in the middle of "\r\n--".
        chunk.setBytes(bytes("\r\n--" + encoder.boundary.dropLast()), at: 1000)
        chunk.setBytes(bytes("\r\n-"), at: chunkSize - 3)
        var parser = MultipartParser(boundary: encoder.boundary)
        var received = 0
        var events = 0
        let start = ContinuousClock.now
        func drain() throws {
            while let event = try parser.next() {
                events += 1
                if case .body(let bytes) = event { received += bytes.readableBytes }
            }
        }
        parser.append(encoder.fileHead(name: "file", filename: "big.bin", contentType: "application/octet-stream"))
        try drain()
        for _ in 0..<chunkCount {
            parser.append(chunk)
            try drain()
        }
        parser.append(encoder.fileTail)
        parser.append(encoder.closing)
        try drain()
        try parser.finish()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytes = Double(chunkSize * chunkCount) / 1_048_576
        print("MultipartParser: \(Int(megabytes)) MiB in \(seconds) s = \(Int(megabytes / seconds)) MiB/s (\(events) events)")
        #expect(received == chunkSize * chunkCount)
        #expect(seconds < 10)
    }
}

private func events(_ body: [UInt8], boundary: String) throws -> [MultipartEvent] {
    var parser = MultipartParser(boundary: boundary)
    parser.append(ByteBuffer(bytes: body))
    var result: [MultipartEvent] = []
    while let event = try parser.next() { result.append(event) }
    try parser.finish()
    return result
}
