import Foundation
import OpenAIClient
import TestSupport
import Testing

@testable import OpenAIGateway

@Suite("OpenAPI document and docs page")
struct OpenAPIDocumentTests {
    let document = GatewayOpenAPI.document(serverURL: "http://127.0.0.1:3000")

    /// Whether the OpenAPI document at `path` is valid OpenAPI 3.1 (openapi-spec-validator), with its output.
    func validate(_ path: String) async -> (status: Int32, output: String) {
        if let missing = await PythonModules.problem(["openapi_spec_validator"]) { return (-1, missing) }
        let script = "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')"
        return await PythonProcess.run(["-c", script, path], timeout: .seconds(120))
    }

    @Test func isValidOpenAPI31() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-openapi-\(UUID().uuidString).json")
        try document.prettyJSONString.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await validate(file.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("valid"))
        #expect(document["openapi"] == "3.1.0")
        #expect(document["servers"]?[0]?["url"] == "http://127.0.0.1:3000")
        #expect(GatewayOpenAPI.document(serverURL: nil)["servers"] == nil)
    }

    @Test func everyErrorResponseReferencesErrorBody() throws {
        let paths = try #require(document["paths"]?.objectValue)
        var errorResponses = 0
        for (_, item) in paths {
            for (_, operation) in try #require(item.objectValue) {
                for (status, response) in try #require(operation["responses"]?.objectValue) {
                    guard let code = Int(status), code >= 400 else { continue }
                    errorResponses += 1
                    #expect(response["content"]?["application/json"]?["schema"]?["$ref"] == "#/components/schemas/ErrorBody")
                }
            }
        }
        #expect(errorResponses > 20)
        let text = try #require(paths["/api/responses/text"]?["post"]?["responses"]?.objectValue)
        #expect(Set(text.keys).isSuperset(of: ["201", "400", "404", "413", "429", "502", "503", "504"]))
        let errorBody = try #require(document["components"]?["schemas"]?["ErrorBody"]?["properties"]?.objectValue)
        #expect(errorBody.keys.contains("retry_after_seconds"))
        #expect(errorBody.keys.count == 13)
        #expect(errorBody.keys.contains("upstream_request_id"))
    }

    @Test func textRequestSchemaListsEveryKnownField() throws {
        let schema = try #require(document["components"]?["schemas"]?["TextResponseRequest"])
        let properties = try #require(schema["properties"]?.objectValue)
        // The gateway's fields (less modalities, which OpenAI's Responses API refuses) and OpenAI's other members;
        // nothing else, since OpenAI answers 400 unknown_parameter for a member it does not know.
        let spec = try #require(KnownRequestFields.members(endpoint: "POST /v1/responses"))
        #expect(Set(properties.keys) == Set(TextResponseRequest.knownFields).union(spec).subtracting(["modalities"]))
        #expect(schema["additionalProperties"] == false)
        #expect(schema["required"] == ["input"])
        // null is an optional member left out (FieldValidator), so the document lets every optional member be null.
        #expect(properties["model"]?["type"] == ["string", "null"])
        #expect(properties["temperature"]?["type"] == ["number", "null"])
        #expect(properties["input"]?["type"] == nil)
    }

    @Test("rules that tie fields together are in the document (schemathesis positive and negative findings)")
    func crossFieldRulesAreDocumented() throws {
        let paths = try #require(document["paths"])
        // Images: one branch per model, e.g. gpt-image-1.5 takes no style and only b64_json.
        let generate = try #require(paths["/api/images/generate"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"])
        #expect(generate["additionalProperties"] == false)
        let branches = try #require(generate["anyOf"]?.arrayValue)
        func branch(_ model: String) -> JSONValue? {
            branches.first { $0["properties"]?["model"]?["const"] == .string(model) || $0["properties"]?["model"]?["enum"]?[0] == .string(model) }
        }
        let gptImage = try #require(branch("gpt-image-1.5"))
        #expect(gptImage["properties"]?["style"] == ["type": "null"])
        #expect(gptImage["properties"]?["response_format"]?["enum"] == ["b64_json", .null])
        #expect(branch("dall-e-3")?["properties"]?["style"]?["enum"] == ["vivid", "natural", .null])
        #expect(branch("dall-e-3")?["required"] == ["model"])
        let variation = try #require(paths["/api/images/variations"]?["post"]?["requestBody"]?["content"]?["multipart/form-data"])
        #expect(variation["schema"]?["additionalProperties"] == false)
        #expect(variation["encoding"]?["image"]?["contentType"] == "image/png")
        // Videos: sora-2 makes only the 720p sizes; seconds are the catalogue's.
        let video = try #require(paths["/api/videos"]?["post"]?["requestBody"]?["content"]?["multipart/form-data"]?["schema"])
        let sora = try #require(video["anyOf"]?.arrayValue?.first { $0["properties"]?["model"]?["const"] == "sora-2" })
        #expect(sora["properties"]?["size"]?["enum"] == ["720x1280", "1280x720"])
        #expect(video["properties"]?["seconds"]?["enum"] == ["4", "8", "12"])
        // Files: the purpose filter is one of the purposes; audio files carry an audio filename.
        let list = try #require(paths["/api/files"]?["get"]?["parameters"]?.arrayValue?.first { $0["name"] == "purpose" })
        #expect(list["schema"]?["enum"]?.arrayValue?.count == FileRules.purposes.count)
        let transcription = try #require(paths["/api/audio/transcriptions"]?["post"]?["requestBody"]?["content"]?["multipart/form-data"])
        #expect(
            transcription["encoding"]?["file"]?["headers"]?["Content-Disposition"]?["schema"]?["example"]?.stringValue?.hasSuffix(".mp3\"") == true
        )
        // Admin: include_revoked and days are checked (400 naming them).
        #expect(paths["/admin/keys"]?["get"]?["responses"]?["400"] != nil)
        #expect(paths["/dashboard"]?["get"]?["parameters"]?[0]?["schema"]?["maximum"] == 366)
        // A vector-store batch takes exactly one of file_ids and files, each non-empty.
        let batch = try #require(document["components"]?["schemas"]?["CreateVectorStoreFileBatchRequest"])
        #expect(batch["oneOf"]?.arrayValue?.count == 2)
        #expect(batch["properties"]?["files"]?["minItems"] == 1)
    }

    @Test func streamingOperationsAreEventStreams() throws {
        let post = try #require(document["paths"]?["/api/responses/text/stream"]?["post"])
        #expect(post["responses"]?["201"]?["content"]?["text/event-stream"] != nil)
        let resume = try #require(document["paths"]?["/api/responses/{id}/stream"]?["get"])
        let names = try #require(resume["parameters"]?.arrayValue).compactMap { $0["name"]?.stringValue }
        #expect(names == ["id", "starting_after", "Last-Event-ID"])
    }

    @Test("downloads and speech document every content type they are sent with (schemathesis content-type findings)")
    func downloadAndSpeechContentTypesAgreeWithTheBehaviour() throws {
        for path in ["/api/files/{id}/content"] {
            let content = try #require(document["paths"]?[path]?["get"]?["responses"]?["200"]?["content"]?.objectValue)
            for filename in ["notes.txt", "report.pdf", "data.jsonl", "photo.JPG", "archive.bin"] {
                #expect(content[ContentDisposition.contentType(forFilename: filename)] != nil, "\(path): \(filename)")
            }
        }
        // The guards' answers are documented on every operation (415 where there is a body).
        for (path, item) in try #require(document["paths"]?.objectValue) {
            for (method, operation) in try #require(item.objectValue) {
                let responses = operation["responses"]?.objectValue
                if responses?["default"] != nil { continue }  // /v1: any status, in OpenAI's shape
                #expect(responses?["403"] != nil && responses?["404"] != nil && responses?["503"] != nil, "\(method) \(path)")
                if operation["requestBody"] != nil { #expect(responses?["415"] != nil, "\(method) \(path)") }
            }
        }
        let speech = try #require(document["paths"]?["/api/audio/speech"]?["post"]?["responses"]?["200"]?["content"]?.objectValue)
        for format in ["mp3", "opus", "aac", "flac", "wav", "pcm"] {
            #expect(speech[AudioRules.speechContentType(format)] != nil, "speech: \(format)")
        }
    }

    @Test func docsPageIsSelfContained() throws {
        let html = APIDocsPage.html(specURL: "http://127.0.0.1:3000/openapi.json")
        #expect(html.contains(#"const SPEC_URL = "http://127.0.0.1:3000/openapi.json";"#))
        let regex = try NSRegularExpression(pattern: #"https?://[^\s"'<>)]+"#)
        let range = NSRange(html.startIndex..., in: html)
        let urls = regex.matches(in: html, range: range).compactMap { Range($0.range, in: html).map { String(html[$0]) } }
        #expect(urls == ["http://127.0.0.1:3000/openapi.json"])
        #expect(html.contains("getReader()"))
        #expect(html.split(separator: "\n").count < 600)
        let relative = APIDocsPage.html(specURL: "/openapi.json")
        #expect(!relative.contains("http://") && !relative.contains("https://"))
    }

    @Test func docsPageEscapesSpecURL() {
        let html = APIDocsPage.html(specURL: "/x\"</script><script>alert(1)")
        #expect(!html.contains("</script><script>alert"))
        #expect(html.contains(#""/x\"\u003c/script\u003e\u003cscript\u003ealert(1)""#))
    }

    /// The JSON schema properties of an Audio operation's request body.
    private func audioProperties(_ document: JSONValue, _ path: String, mediaType: String) throws -> JSONValue {
        try #require(document["paths"]?[path]?["post"]?["requestBody"]?["content"]?[mediaType]?["schema"]?["properties"])
    }

    private func strings(_ value: JSONValue?) -> [String]? {
        value?.arrayValue?.compactMap(\.stringValue)
    }

    @Test("the Audio enums are the bundled catalogue's models, voices and formats")
    func audioEnumsFromTheBundledCatalogue() throws {
        let speech = try audioProperties(document, "/api/audio/speech", mediaType: "application/json")
        #expect(strings(speech["model"]?["enum"]) == ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"])
        #expect(speech["model"]?["default"] == "tts-1")
        #expect(
            strings(speech["voice"]?["enum"])
                == ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse", "marin", "cedar"]
        )
        #expect(strings(speech["response_format"]?["enum"]) == ["mp3", "opus", "aac", "flac", "wav", "pcm"])
        #expect(speech["input"]?["maxLength"]?.intValue == 4096)
        #expect(speech["speed"]?["minimum"]?.doubleValue == 0.25 && speech["speed"]?["maximum"]?.doubleValue == 4)
        #expect(speech["instructions"]?["description"] == "Only with gpt-4o-mini-tts.")

        let transcription = try audioProperties(document, "/api/audio/transcriptions", mediaType: "multipart/form-data")
        #expect(
            strings(transcription["model"]?["enum"]) == ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"]
        )
        #expect(strings(transcription["response_format"]?["enum"]) == ["json", "text", "srt", "vtt", "verbose_json", "diarized_json"])
        #expect(strings(transcription["timestamp_granularities[]"]?["items"]?["enum"]) == ["word", "segment"])
        #expect(transcription["file"]?["description"]?.stringValue?.hasSuffix("at most 25 MB.") == true)
        #expect(transcription["stream"]?["description"]?.stringValue?.contains("not with whisper-1") == true)

        let translation = try audioProperties(document, "/api/audio/translations", mediaType: "multipart/form-data")
        #expect(strings(translation["model"]?["enum"]) == ["whisper-1"])
        #expect(strings(translation["response_format"]?["enum"]) == ["json", "text", "srt", "vtt", "verbose_json"])
    }

    @Test("a catalogue with a new speech model lists it in the document, and retired models are left out")
    func audioEnumsFromACustomCatalogue() async throws {
        let custom = try AudioRulesTests.customCatalogue()
        let document = GatewayOpenAPI.document(serverURL: nil, catalogue: custom, now: AudioRulesTests.now)
        let speech = try audioProperties(document, "/api/audio/speech", mediaType: "application/json")
        #expect(strings(speech["model"]?["enum"]) == ["tts-2", "tts-1", "tts-sunset"])
        #expect(strings(speech["voice"]?["enum"]) == ["aurora", "alloy"])
        #expect(speech["voice"]?["description"]?.stringValue?.contains("aurora: tts-2") == true)
        #expect(speech["input"]?["maxLength"] == nil)  // tts-sunset states no limit
        let transcription = try audioProperties(document, "/api/audio/transcriptions", mediaType: "multipart/form-data")
        #expect(strings(transcription["model"]?["enum"]) == ["whisper-1", "whisper-2"])
        #expect(transcription["file"]?["description"]?.stringValue?.hasSuffix("at most 50 MB.") == true)
        let later = GatewayOpenAPI.document(serverURL: nil, catalogue: custom, now: Date(timeIntervalSince1970: 1_893_456_000))
        #expect(strings(try audioProperties(later, "/api/audio/speech", mediaType: "application/json")["model"]?["enum"]) == ["tts-2", "tts-1"])

        // The custom document is valid OpenAPI 3.1 too.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-openapi-custom-\(UUID().uuidString).json")
        try document.prettyJSONString.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await validate(file.path)
        #expect(result.status == 0, "\(result.output)")
    }
}
