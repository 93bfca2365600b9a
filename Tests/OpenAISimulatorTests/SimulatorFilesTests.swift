import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

/// A hand-built multipart body: text fields and file parts in the order given.
struct MultipartBody {
    enum Part {
        case field(String, String)
        case file(name: String, filename: String, bytes: [UInt8])
    }

    static let boundary = "sim-test-boundary-7f3a"
    static var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    static func encode(_ parts: [Part]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for part in parts {
            buffer.writeString("--\(boundary)\r\n")
            switch part {
            case .field(let name, let value):
                buffer.writeString("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
            case .file(let name, let filename, let bytes):
                buffer.writeString(fileHead(name: name, filename: filename))
                buffer.writeBytes(bytes)
                buffer.writeString("\r\n")
            }
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }

    static func fileHead(name: String, filename: String) -> String {
        "Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    }
}

extension SimHarness {
    func upload(_ path: String, _ parts: [MultipartBody.Part]) async throws -> SimHTTPResult {
        var request = HTTPClientRequest(url: root + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: MultipartBody.contentType)
        request.body = .bytes(MultipartBody.encode(parts))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return SimHTTPResult(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    func download(_ path: String) async throws -> (status: Int, contentType: String?, bytes: [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: root + path), timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 256 << 20)
        return (Int(response.status.code), response.headers.first(name: "content-type"), Array(buffer: body))
    }

    func upload(purpose: String, filename: String, bytes: [UInt8]) async throws -> JSONValue {
        let result = try await upload("/v1/files", [.field("purpose", purpose), .file(name: "file", filename: filename, bytes: bytes)])
        #expect(result.status == 200, "\(result.body)")
        return try result.json
    }
}

@Suite("Simulator Files API")
struct SimulatorFilesTests {
    @Test func uploadTextAndBinaryRoundTripsByteExact() async throws {
        try await SimHarness.with { sim in
            let text = Array("hello\r\nworld\n--\(MultipartBody.boundary)\r\nnot a part\r\n".utf8)
            var generator = SystemRandomNumberGenerator()
            var binary = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Almost a delimiter (the boundary less its last character): body data, not a part break.
            // (A body may not contain CRLF--boundary itself: RFC 2046 has senders choose a boundary that never occurs.)
            binary.insert(contentsOf: Array("\r\n--\(MultipartBody.boundary.dropLast())".utf8), at: 1000)
            for (name, bytes) in [("notes.txt", text), ("blob.bin", binary)] {
                let file = try await sim.upload(purpose: "user_data", filename: name, bytes: bytes)
                #expect(file["object"] == "file")
                #expect(file["bytes"]?.intValue == bytes.count)
                #expect(file["filename"]?.stringValue == name)
                #expect(file["purpose"] == "user_data")
                #expect(file["status"] == "processed")
                #expect(file["expires_at"] == nil)
                let id = try #require(file["id"]?.stringValue)
                #expect(id.hasPrefix("file-"))
                try await SpecCheck.expectValid("OpenAIFile", file.jsonString)
                let download = try await sim.download("/v1/files/\(id)/content")
                #expect(download.status == 200)
                #expect(download.contentType == "application/octet-stream")
                #expect(download.bytes == bytes)
            }
        }
    }

    @Test func listFiltersOrdersAndPaginates() async throws {
        try await SimHarness.with { sim in
            var ids: [String] = []
            for index in 0..<5 {
                let purpose = index % 2 == 0 ? "batch" : "vision"
                let file = try await sim.upload(purpose: purpose, filename: "f\(index).jsonl", bytes: Array("line \(index)\n".utf8))
                ids.append(try #require(file["id"]?.stringValue))
            }
            let all = try await sim.get("/v1/files")
            try await SpecCheck.expectValid("ListFilesResponse", all.body)
            let allJSON = try all.json
            #expect(allJSON["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ids.reversed())
            #expect(allJSON["has_more"] == false)

            let batch = try await sim.get("/v1/files?purpose=batch&order=asc").json
            #expect(batch["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0], ids[2], ids[4]])

            let page1 = try await sim.get("/v1/files?order=asc&limit=2").json
            #expect(page1["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0], ids[1]])
            #expect(page1["has_more"] == true)
            #expect(page1["first_id"]?.stringValue == ids[0])
            #expect(page1["last_id"]?.stringValue == ids[1])
            let page3 = try await sim.get("/v1/files?order=asc&limit=2&after=\(ids[3])").json
            #expect(page3["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[4]])
            #expect(page3["has_more"] == false)

            #expect(try await sim.get("/v1/files?limit=0").status == 400)
            #expect(try await sim.get("/v1/files?order=up").status == 400)
        }
    }

    @Test func getDeleteAndNotFound() async throws {
        try await SimHarness.with { sim in
            let file = try await sim.upload(purpose: "fine-tune", filename: "train.jsonl", bytes: Array("{}\n".utf8))
            let id = try #require(file["id"]?.stringValue)
            let got = try await sim.get("/v1/files/\(id)")
            #expect(try got.json == file)
            let deleted = try await sim.send(.DELETE, "/v1/files/\(id)")
            #expect(try deleted.json == ["id": .string(id), "object": "file", "deleted": true])
            try await SpecCheck.expectValid("DeleteFileResponse", deleted.body)
            for path in ["/v1/files/\(id)", "/v1/files/\(id)/content"] {
                let missing = try await sim.get(path)
                #expect(missing.status == 404)
                #expect(try missing.json["error"]?["message"]?.stringValue == "No such File object: \(id)")
            }
            #expect(try await sim.send(.DELETE, "/v1/files/\(id)").status == 404)
            let stats = try await sim.stats()
            #expect(stats["requests"]?["POST /v1/files"] == 1)
            #expect(stats["requests"]?["GET /v1/files/{id}"] == 2)
            #expect(stats["requests"]?["GET /v1/files/{id}/content"] == 1)
            #expect(stats["requests"]?["DELETE /v1/files/{id}"] == 2)
        }
    }

    @Test func assistantsFilesCannotBeDownloaded() async throws {
        try await SimHarness.with { sim in
            let file = try await sim.upload(purpose: "assistants", filename: "doc.pdf", bytes: [1, 2, 3])
            let id = try #require(file["id"]?.stringValue)
            let result = try await sim.get("/v1/files/\(id)/content")
            #expect(result.status == 400)
            #expect(
                try result.json == [
                    "error": [
                        "message": "Not allowed to download files of purpose: assistants", "type": "invalid_request_error",
                        "param": .null, "code": .null,
                    ]
                ]
            )
        }
    }

    @Test func fieldsInAnyOrderValidationAndExpiry() async throws {
        try await SimHarness.with { sim in
            // Fields after the file part.
            let late = try await sim.upload(
                "/v1/files",
                [
                    .file(name: "file", filename: "a.txt", bytes: Array("abc".utf8)), .field("expires_after[seconds]", "3600"),
                    .field("purpose", "batch"), .field("expires_after[anchor]", "created_at"),
                ]
            )
            #expect(late.status == 200)
            let json = try late.json
            let created = try #require(json["created_at"]?.intValue)
            #expect(json["expires_at"]?.intValue == created + 3600)
            try await SpecCheck.expectValid("OpenAIFile", late.body)

            let noPurpose = try await sim.upload("/v1/files", [.file(name: "file", filename: "a.txt", bytes: [1])])
            #expect(noPurpose.status == 400)
            #expect(try noPurpose.json["error"]?["param"] == "purpose")
            let noFile = try await sim.upload("/v1/files", [.field("purpose", "batch")])
            #expect(noFile.status == 400)
            #expect(try noFile.json["error"]?["param"] == "file")
            let badPurpose = try await sim.upload("/v1/files", [.field("purpose", "nope"), .file(name: "file", filename: "a", bytes: [1])])
            #expect(badPurpose.status == 400)
            #expect(try badPurpose.json["error"]?["type"] == "invalid_request_error")
            let badExpiry = try await sim.upload(
                "/v1/files",
                [
                    .field("purpose", "batch"), .field("expires_after[anchor]", "created_at"), .field("expires_after[seconds]", "10"),
                    .file(name: "file", filename: "a", bytes: [1]),
                ]
            )
            #expect(badExpiry.status == 400)
            let notMultipart = try await sim.post("/v1/files", ["purpose": "batch"])
            #expect(notMultipart.status == 400)
            // Only the valid upload is listed.
            #expect(try await sim.get("/v1/files").json["data"]?.arrayValue?.count == 1)
        }
    }

    @Test func largeStreamedUploadKeepsItsSize() async throws {
        try await SimHarness.with { sim in
            let size = 100 << 20
            let chunk = 256 << 10
            let head = ByteBuffer(
                string:
                    "--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--\(MultipartBody.boundary)\r\n"
                    + MultipartBody.fileHead(name: "file", filename: "big.bin")
            )
            let tail = ByteBuffer(string: "\r\n--\(MultipartBody.boundary)--\r\n")
            // Generated piece by piece: the body is never in memory as a whole.
            let pieces = AsyncStream<ByteBuffer> { continuation in
                continuation.yield(head)
                let block = ByteBuffer(bytes: (0..<chunk).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
                for _ in 0..<(size / chunk) { continuation.yield(block) }
                continuation.yield(tail)
                continuation.finish()
            }
            var request = HTTPClientRequest(url: sim.root + "/v1/files")
            request.method = .POST
            request.headers.add(name: "content-type", value: MultipartBody.contentType)
            request.body = .stream(pieces, length: .known(Int64(head.readableBytes + size + tail.readableBytes)))
            let start = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            let elapsed = start.duration(to: .now)
            print(
                "100 MB upload took \(elapsed) (\(Double(size >> 20) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) MB/s)"
            )
            #expect(response.status.code == 200, "\(String(buffer: body))")
            let file = try JSONValue(parsing: body)
            #expect(file["bytes"]?.intValue == size)
            #expect(elapsed < .seconds(15))
        }
    }

    @Test func abandonedUploadLeavesNothingOnDiskAndFinishedOnesAppearWhole() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let simulator = try await SimulatorServer.start(.init(port: 0, fileDirectory: directory))
        let sim = SimHarness(simulator: simulator)
        do {
            let head = ByteBuffer(
                string:
                    "--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--\(MultipartBody.boundary)\r\n"
                    + MultipartBody.fileHead(name: "file", filename: "big.jsonl")
            )
            // Announces 10 MB, sends 1 MB, then the client goes away.
            let (pieces, continuation) = AsyncStream<ByteBuffer>.makeStream()
            continuation.yield(head)
            continuation.yield(ByteBuffer(bytes: [UInt8](repeating: 0x61, count: 1 << 20)))
            var request = HTTPClientRequest(url: sim.root + "/v1/files")
            request.method = .POST
            request.headers.add(name: "content-type", value: MultipartBody.contentType)
            request.body = .stream(pieces, length: .known(Int64(head.readableBytes + (10 << 20))))
            let upload = Task { try await HTTPClient.shared.execute(request, timeout: .seconds(30)) }
            try await Task.sleep(for: .milliseconds(300))
            upload.cancel()
            continuation.finish()
            _ = await upload.result
            let empty = try await sim.eventually {
                (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true
            }
            #expect(empty, "left behind: \((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])")

            // The simulator still works, and a finished upload is one file named by its id.
            let file = try await sim.upload(purpose: "batch", filename: "ok.jsonl", bytes: Array("{}\n".utf8))
            let id = try #require(file["id"]?.stringValue)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [id])
            #expect(try await sim.download("/v1/files/\(id)/content").bytes == Array("{}\n".utf8))
            #expect(try await sim.send(.DELETE, "/v1/files/\(id)").status == 200)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        } catch {
            await simulator.shutdown()
            throw error
        }
        await simulator.shutdown()
    }
}
