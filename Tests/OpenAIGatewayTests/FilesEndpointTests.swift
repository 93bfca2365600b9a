import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// The Files endpoints over real HTTP: client → gateway → simulator.
@Suite("Files endpoints against the simulator")
struct FilesEndpointTests {
    /// Text with CR/LF and a line that looks like a boundary.
    static let text = "line one\r\nline two\n--not-a-boundary\r\n\r\nünïcödé ✓\n"

    private func expected(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count { bytes += TestPart.cycle.prefix(count - bytes.count) }
        return bytes
    }

    private func uploadCount(_ gateway: GatewayHarness) -> Int { gateway.simulator.state.stats().requests["POST /v1/files"] ?? 0 }

    private func storedFiles(_ gateway: GatewayHarness) async throws -> [JSONValue] {
        let list = try await gateway.request(.GET, "/api/files")
        return try list.json().arrayValue ?? []
    }

    @Test("upload then download gives identical bytes for a text file (content and download)")
    func textRoundTrip() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let created = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "user_data"), .file(filename: "notes.txt", contentType: "text/plain", text: Self.text)]
            )
            #expect(created.status == 201)
            let file = try created.json()
            let id = try #require(file["id"]?.stringValue)
            #expect(file["object"]?.stringValue == "file")
            #expect(file["bytes"]?.intValue == Self.text.utf8.count)
            #expect(file["filename"]?.stringValue == "notes.txt")
            #expect(file["purpose"]?.stringValue == "user_data")
            for suffix in ["content", "download"] {
                let download = try await gateway.request(.GET, "/api/files/\(id)/\(suffix)")
                #expect(download.status == 200)
                #expect(download.body == Array(Self.text.utf8))
                #expect(download.headers.first(name: "content-type") == "text/plain")
                #expect(download.headers.first(name: "content-disposition") == "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt")
            }
            return gateway
        }
        // After the graceful shutdown, which drains the log (a download is logged once its bytes were sent).
        let entries = try gateway.logEntries(api: "files")
        let upload = try #require(entries.first { $0["method"]?.stringValue == "POST" })
        #expect(upload["status"]?.intValue == 201)
        #expect(upload["file_id"]?.stringValue?.hasPrefix("file-") == true)
        #expect(upload["filename"]?.stringValue == "notes.txt")
        #expect(upload["bytes"]?.intValue == Self.text.utf8.count)
        #expect(upload["purpose"]?.stringValue == "user_data")
        #expect(upload["object_status"]?.stringValue == "processed", "the file's status is kept beside the HTTP status")
        #expect(entries.filter { $0["method"]?.stringValue == "GET" }.count == 2)
    }

    @Test("a binary file with CR/LF and -- sequences survives the round trip byte for byte")
    func binaryRoundTrip() async throws {
        try await GatewayHarness.run { gateway in
            let size = 3 * 1024 * 1024 + 17
            let created = try await gateway.upload(
                "/api/files",
                parts: [
                    .file(filename: "blob.bin", contentType: "application/octet-stream", .generated(count: size)), .field("purpose", "user_data"),
                ]
            )
            #expect(created.status == 201)
            let id = try #require(try created.json()["id"]?.stringValue)
            #expect(try created.json()["bytes"]?.intValue == size)
            let download = try await gateway.request(.GET, "/api/files/\(id)/content")
            #expect(download.status == 200)
            #expect(download.body.count == size)
            #expect(download.body == expected(size))
            #expect(download.headers.first(name: "content-type") == "application/octet-stream")
            #expect(download.headers.first(name: "content-length") == String(size))
        }
    }

    @Test("list, retrieve and delete; Link header pagination with the filters kept")
    func listRetrieveDelete() async throws {
        try await GatewayHarness.run { gateway in
            var ids: [String] = []
            for index in 0..<3 {
                let created = try await gateway.upload(
                    "/api/files",
                    parts: [.field("purpose", "batch"), .file(filename: "in\(index).jsonl", contentType: nil, text: "{\"n\":\(index)}\n")]
                )
                #expect(created.status == 201)
                ids.append(try #require(try created.json()["id"]?.stringValue))
            }
            _ = try await gateway.upload("/api/files", parts: [.field("purpose", "user_data"), .file(filename: "x.txt", text: "x")])

            let first = try await gateway.request(.GET, "/api/files?purpose=batch&limit=2&order=asc")
            #expect(first.status == 200)
            let page = try #require(try first.json().arrayValue)
            #expect(page.compactMap { $0["id"]?.stringValue } == Array(ids.prefix(2)))
            let link = try #require(first.headers.first(name: "link"))
            #expect(link == "</api/files?after=\(ids[1])&limit=2&order=asc&purpose=batch>; rel=\"next\"")
            let next = String(link.dropFirst().prefix { $0 != ">" })
            let second = try await gateway.request(.GET, next)
            #expect(try second.json().arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2]])
            #expect(second.headers.first(name: "link") == nil)
            let all = try await gateway.request(.GET, "/api/files")
            #expect(try all.json().arrayValue?.count == 4)
            #expect(gateway.simulator.state.stats().requests["GET /v1/files"] == 3)

            let retrieved = try await gateway.request(.GET, "/api/files/\(ids[0])")
            #expect(retrieved.status == 200)
            #expect(try retrieved.json()["filename"]?.stringValue == "in0.jsonl")
            let deleted = try await gateway.request(.DELETE, "/api/files/\(ids[0])")
            #expect(deleted.status == 200)
            let body = try deleted.json()
            #expect(body["id"]?.stringValue == ids[0])
            #expect(body["object"]?.stringValue == "file")
            #expect(body["deleted"]?.boolValue == true)
            let gone = try await gateway.request(.GET, "/api/files/\(ids[0])")
            #expect(gone.status == 404)
        }
    }

    @Test("assistants files cannot be downloaded: 403 download_forbidden without calling the content endpoint")
    func assistantsDownloadForbidden() async throws {
        try await GatewayHarness.run { gateway in
            let created = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "assistants"), .file(filename: "doc.md", contentType: "text/markdown", text: "# Doc")]
            )
            #expect(created.status == 201)
            let id = try #require(try created.json()["id"]?.stringValue)
            let download = try await gateway.request(.GET, "/api/files/\(id)/content")
            #expect(download.status == 403)
            let error = try download.json()
            #expect(error["error_code"]?.stringValue == "download_forbidden")
            #expect(error["hint"]?.stringValue?.contains("user_data") == true)
            #expect(download.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
            #expect(gateway.simulator.state.stats().requests["GET /v1/files/{id}/content"] == nil)
        }
    }

    @Test("fields after the file part, expires_after as form strings")
    func fieldsAfterFile() async throws {
        try await GatewayHarness.run { gateway in
            let created = try await gateway.upload(
                "/api/files",
                parts: [
                    .file(filename: "train.jsonl", contentType: "application/jsonl", text: "{\"a\":1}\n"), .field("expires_after[seconds]", " 7200 "),
                    .field("purpose", "fine-tune"), .field("expires_after[anchor]", "created_at"),
                ]
            )
            #expect(created.status == 201)
            let file = try created.json()
            #expect(file["purpose"]?.stringValue == "fine-tune")
            let createdAt = try #require(file["created_at"]?.intValue)
            #expect(file["expires_at"]?.intValue == createdAt + 7200)
        }
    }

    /// Bad requests caught before the upstream hears of them (the fields come before the file).
    @Test(
        "bad input before the file → 400 with parameter and hint, no upstream call",
        arguments: [
            ([TestPart.field("purpose", "assistant")], "purpose", "Did you mean \"assistants\"?"),
            ([.field("purpose", "finetuning")], "purpose", "Did you mean \"fine-tune\"?"),
            ([.field("purpose", "image")], "purpose", "Did you mean \"vision\"?"),
            (
                [.field("purpose", "batch"), .field("expires_after[anchor]", "now"), .field("expires_after[seconds]", "7200")],
                "expires_after[anchor]", "created_at"
            ),
            (
                [.field("purpose", "batch"), .field("expires_after[anchor]", "created_at"), .field("expires_after[seconds]", "abc")],
                "expires_after[seconds]", "86400"
            ),
            (
                [.field("purpose", "batch"), .field("expires_after[anchor]", "created_at"), .field("expires_after[seconds]", "60")],
                "expires_after[seconds]", "3600"
            ),
            (
                [.field("purpose", "batch"), .field("expires_after[anchor]", "created_at"), .field("expires_after[seconds]", "2592001")],
                "expires_after[seconds]", "2592000"
            ),
            ([.field("purpose", "batch"), .field("colour", "blue")], "colour", "purpose"),
        ] as [([TestPart], String, String)]
    )
    func badFieldsBeforeFile(fields: [TestPart], parameter: String, hint: String) async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload("/api/files", parts: fields + [.file(filename: "in.jsonl", text: "{}\n")])
            #expect(result.status == 400)
            let error = try result.json()
            #expect(error["parameter"]?.stringValue == parameter)
            #expect(error["hint"]?.stringValue?.contains(hint) == true)
            #expect(uploadCount(gateway) == 0)
        }
    }

    @Test(
        "bad file → 400 naming file, with a hint, no upstream call",
        arguments: [
            ("batch", "data.json", "application/json", "Did you mean JSONL?"), ("fine-tune", "train.csv", "text/csv", ".jsonl"),
            ("evals", "e.txt", "text/plain", ".jsonl"), ("vision", "scan.pdf", "application/pdf", "PDFs cannot"),
            ("vision", "photo.bmp", "image/bmp", ".png"), ("assistants", "cat.png", "image/png", "vision"),
            ("assistants", "sheet.xlsx", "application/octet-stream", "user_data"),
        ]
    )
    func badFileType(purpose: String, filename: String, contentType: String, hint: String) async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", purpose), .file(filename: filename, contentType: contentType, text: "data")]
            )
            #expect(result.status == 400)
            let error = try result.json()
            #expect(error["parameter"]?.stringValue == "file")
            #expect(error["message"]?.stringValue?.contains("is not allowed for purpose \"\(purpose)\"") == true)
            #expect(error["hint"]?.stringValue?.contains(hint) == true)
            #expect(uploadCount(gateway) == 0)
        }
    }

    @Test("missing file, missing purpose, empty file, non-multipart and lone expiry field → 400, never 500, nothing stored")
    func missingParts() async throws {
        try await GatewayHarness.run { gateway in
            let noFile = try await gateway.upload("/api/files", parts: [.field("purpose", "batch")])
            #expect(noFile.status == 400)
            #expect(try noFile.json()["parameter"]?.stringValue == "file")
            #expect(uploadCount(gateway) == 0)

            let noPurpose = try await gateway.upload("/api/files", parts: [.file(filename: "a.txt", text: "abc")])
            #expect(noPurpose.status == 400)
            #expect(try noPurpose.json()["parameter"]?.stringValue == "purpose")
            #expect(try noPurpose.json()["message"]?.stringValue == "purpose is required")

            let empty = try await gateway.upload("/api/files", parts: [.field("purpose", "user_data"), .file(filename: "a.txt", .bytes([]))])
            #expect(empty.status == 400)
            #expect(try empty.json()["parameter"]?.stringValue == "file")
            #expect(try empty.json()["message"]?.stringValue?.contains("empty") == true)

            let lone = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "user_data"), .field("expires_after[seconds]", "7200"), .file(filename: "a.txt", text: "a")]
            )
            #expect(lone.status == 400)
            #expect(try lone.json()["parameter"]?.stringValue == "expires_after[anchor]")

            let json = try await gateway.request(.POST, "/api/files", json: ["purpose": "batch"])
            #expect(json.status == 400)
            #expect(try json.json()["parameter"]?.stringValue == "file")
            #expect(try json.json()["hint"]?.stringValue?.isEmpty == false)

            #expect(try await storedFiles(gateway).isEmpty)
        }
    }

    @Test("a 25 MB vision upload → 413 while it passes, and the simulator never stores it")
    func visionTooLarge() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "vision"), .file(filename: "big.png", contentType: "image/png", .generated(count: 25 * 1024 * 1024))]
            )
            #expect(result.status == 413)
            let error = try result.json()
            #expect(error["parameter"]?.stringValue == "file")
            #expect(error["error_code"]?.stringValue == "file_too_large")
            #expect(
                error["message"]?.stringValue?.hasPrefix(
                    "File size (25.00 MB) exceeds maximum for purpose \"vision\". Maximum allowed: 20 MB (20,971,520 bytes)."
                )
                    == true
            )
            #expect(error["hint"]?.stringValue?.isEmpty == false)
            #expect(try await storedFiles(gateway).isEmpty)
        }
    }

    @Test("list query validation → 400 naming the parameter, no upstream call")
    func listValidation() async throws {
        try await GatewayHarness.run { gateway in
            for (query, parameter) in [
                ("order=sideways", "order"), ("limit=0", "limit"), ("limit=10001", "limit"), ("limit=abc", "limit"),
                ("purpose=asistants", "purpose"), ("page=2", "page"),
            ] {
                let result = try await gateway.request(.GET, "/api/files?\(query)")
                #expect(result.status == 400, "\(query)")
                #expect(try result.json()["parameter"]?.stringValue == parameter, "\(query)")
                #expect(try result.json()["hint"]?.stringValue?.isEmpty == false, "\(query)")
            }
            #expect(gateway.simulator.state.stats().requests["GET /v1/files"] == nil)
        }
    }

    @Test("Content-Disposition of a hostile upstream filename is one safe header line")
    func hostileFilename() async throws {
        try await GatewayHarness.run { gateway in
            // Stored directly in the simulator, so the upstream filename really holds CR/LF and a quote.
            let direct = try await GatewayHarness.postMultipart(
                url: gateway.simulator.baseURL + "/files",
                parts: [
                    .field("purpose", "user_data"),
                    .file(
                        filename: "x.pdf",
                        filenameStar: "r%C3%A9s%22um%C3%A9%0D%0A.pdf",
                        contentType: "application/pdf",
                        .bytes(Array("%PDF-1.4".utf8))
                    ),
                ]
            )
            #expect(direct.status == 200)
            let id = try #require(try direct.json()["id"]?.stringValue)
            #expect(try direct.json()["filename"]?.stringValue == "rés\"umé\r\n.pdf")
            let download = try await gateway.request(.GET, "/api/files/\(id)/content")
            #expect(download.status == 200)
            #expect(download.headers.first(name: "content-type") == "application/pdf")
            #expect(
                download.headers.first(name: "content-disposition")
                    == "attachment; filename=\"r_s_um_.pdf\"; filename*=UTF-8''r%C3%A9s%22um%C3%A9.pdf"
            )
            #expect(download.body == Array("%PDF-1.4".utf8))

            // Through the gateway the exact (non-ASCII) name reaches the upstream.
            let viaGateway = try await gateway.upload(
                "/api/files",
                parts: [
                    .field("purpose", "user_data"),
                    .file(filename: "x.txt", filenameStar: "%C3%A9t%C3%A9.txt", contentType: "text/plain", .bytes([65])),
                ]
            )
            #expect(viaGateway.status == 201)
            #expect(try viaGateway.json()["filename"]?.stringValue == "été.txt")
        }
    }
}
