import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient

@testable import OpenAIGateway

/// Multipart helpers for the Audio tests (the bodies are built in memory: test files are small,
/// except the deliberate over-limit upload).
extension GatewayHarness {
    /// One file part of an audio form.
    struct AudioFile: Sendable {
        var filename: String
        var contentType = "audio/wav"
        var bytes: [UInt8]
    }

    static let audioBoundary = "----audio-test-boundary-7MA4YWxkTrZu0gW"

    /// A multipart body: `fields` in order, then the file (or `fileFirst` to put it before the fields).
    static func audioForm(fields: [(String, String)], file: AudioFile?, fileFirst: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        func fieldPart(_ name: String, _ value: String) {
            out += Array("--\(audioBoundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        func filePart(_ file: AudioFile) {
            out += Array(
                "--\(audioBoundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.contentType)\r\n\r\n"
                    .utf8
            )
            out += file.bytes
            out += Array("\r\n".utf8)
        }
        if fileFirst, let file { filePart(file) }
        for (name, value) in fields { fieldPart(name, value) }
        if !fileFirst, let file { filePart(file) }
        out += Array("--\(audioBoundary)--\r\n".utf8)
        return out
    }

    /// Posts a multipart audio form and collects the answer.
    func audioUpload(_ path: String, fields: [(String, String)], file: AudioFile?, fileFirst: Bool = false) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(Self.audioBoundary)")
        request.body = .bytes(ByteBuffer(bytes: Self.audioForm(fields: fields, file: file, fileFirst: fileFirst)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// Posts a multipart form whose file part is `fileBytes` zero bytes, streamed in 1 MB chunks with no
    /// Content-Length (so the gateway can only find the size by counting).
    func audioUploadStreamed(_ path: String, fields: [(String, String)], filename: String, fileBytes: Int) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(Self.audioBoundary)")
        var head: [UInt8] = []
        for (name, value) in fields {
            head += Array("--\(Self.audioBoundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        head += Array(
            "--\(Self.audioBoundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: audio/wav\r\n\r\n"
                .utf8
        )
        let tail = Array("\r\n--\(Self.audioBoundary)--\r\n".utf8)
        let chunk = 1 << 20
        let chunks = (fileBytes + chunk - 1) / chunk
        let stream = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(bytes: head))
            for index in 0..<chunks {
                let size = min(chunk, fileBytes - index * chunk)
                continuation.yield(ByteBuffer(repeating: 0, count: size))
            }
            continuation.yield(ByteBuffer(bytes: tail))
            continuation.finish()
        }
        request.body = .stream(stream, length: .unknown)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// Posts a multipart form and reads the SSE answer.
    func audioStream(_ path: String, fields: [(String, String)], file: AudioFile) async throws -> StreamResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(Self.audioBoundary)")
        request.body = .bytes(ByteBuffer(bytes: Self.audioForm(fields: fields, file: file)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var frames: [Frame] = []
        var raw = ""
        var parser = ServerSentEventParser()
        for try await chunk in response.body {
            raw += String(buffer: chunk)
            parser.append(chunk)
            while let event = parser.nextEvent() { frames.append(Frame(event: event, arrival: .now)) }
        }
        return StreamResult(status: Int(response.status.code), headers: response.headers, frames: frames, rawText: raw)
    }

    /// Requests simulated by the upstream under `route` (e.g. `POST /v1/audio/speech`).
    func upstreamCount(_ route: String) -> Int {
        simulator.state.stats().requests[route] ?? 0
    }

    /// A small valid WAV file (silence).
    static func smallWAV(samples: Int = 1600) -> [UInt8] {
        var bytes: [UInt8] = Array("RIFF".utf8)
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> ($0 * 8)) & 0xFF) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8((v >> ($0 * 8)) & 0xFF) } }
        let dataBytes = samples * 2
        bytes += le32(36 + dataBytes) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(16000) + le32(32000) + le16(2) + le16(16)
        bytes += Array("data".utf8) + le32(dataBytes) + [UInt8](repeating: 0, count: dataBytes)
        return bytes
    }
}
