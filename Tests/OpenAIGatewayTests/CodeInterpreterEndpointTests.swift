import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// `POST /api/responses/code-interpreter` and `POST /api/responses/input-tokens` over real HTTP:
/// client → gateway → simulator.
@Suite("Code interpreter and input-token routes against the simulator")
struct CodeInterpreterEndpointTests {
    static let route = "/api/responses/code-interpreter"

    /// The ids of the files the simulator holds.
    static func storedFiles(_ gateway: GatewayHarness) async throws -> [JSONValue] {
        try await gateway.request(.GET, "/api/files").json().arrayValue ?? []
    }

    @Test("three files stream to /v1/files, then one Responses call with their ids in the container and every field forwarded")
    func threeFiles() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                Self.route,
                parts: [
                    .field("model", "gpt-4o"),
                    .field(
                        "tools",
                        #"[{"type": "code_interpreter"}, {"type": "function", "name": "lookup", "parameters": {"type": "object"}, "strict": true}]"#
                    ),
                    .file("files", filename: "a.csv", contentType: "text/csv", text: "x,y\n1,2\n"),
                    .file("files", filename: "b.txt", contentType: "text/plain", text: "hello"),
                    .field("memory_limit", "4g"),
                    .file("files", filename: "c.json", contentType: "application/json", .generated(count: 300_000)),
                    // Fields after the files count too: the reference app dropped these.
                    .field("input", "Sum the columns"),
                    .field("temperature", "0.5"),
                    .field("max_output_tokens", "300"),
                    .field("metadata", #"{"job": "q3"}"#),
                    .field("parallel_tool_calls", "false"),
                ]
            )
            #expect(result.status == 201, "\(result.text)")
            let json = try result.json()
            #expect(json["object"] == "response")
            #expect(json["temperature"] == 0.5)
            #expect(json["max_output_tokens"] == 300)
            #expect(json["metadata"] == ["job": "q3"])
            #expect(json["parallel_tool_calls"] == false)
            let tools = json["tools"]?.arrayValue ?? []
            #expect(tools.count == 2)
            #expect(tools.last?["type"] == "function")
            let container = try #require(tools.first?["container"])
            #expect(container["type"] == "auto")
            #expect(container["memory_limit"] == "4g")
            let ids = container["file_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(ids.count == 3)
            #expect(gateway.upstreamCount("POST /v1/files") == 3)
            #expect(gateway.upstreamCount("POST /v1/responses") == 1)
            let stored = try await Self.storedFiles(gateway)
            #expect(Set(stored.compactMap { $0["id"]?.stringValue }) == Set(ids))
            #expect(stored.allSatisfy { $0["purpose"] == "user_data" })
            let big = try #require(stored.first { $0["filename"] == "c.json" })
            #expect(big["bytes"] == 300_000)
            return gateway
        }
        let uploads = try gateway.logEntries(api: "files").filter { $0["route"] == "/api/responses/code-interpreter" }
        #expect(uploads.map { $0["filename"] } == ["a.csv", "b.txt", "c.json"])
        #expect(uploads.allSatisfy { $0["endpoint"] == "POST /v1/files" && $0["purpose"] == "user_data" })
        #expect(uploads.map { $0["bytes"] } == [8, 5, 300_000])
        let call = try #require(try gateway.logEntries().first { $0["route"] == "/api/responses/code-interpreter" })
        #expect(call["status"] == 201)
        #expect(call["endpoint"] == "POST /v1/responses")
        #expect(Set(uploads.map { $0["request_id"] }) == [call["request_id"] ?? .null])
        #expect(call["uploaded_file_ids"]?.arrayValue == uploads.map { $0["file_id"] ?? .null })
        #expect((call["cost_usd"]?.doubleValue ?? 0) > 0)
    }

    @Test("JSON body: file_ids uploaded before, include kept, container_id passed as the container")
    func jsonBody() async throws {
        try await GatewayHarness.run { gateway in
            let uploaded = try await gateway.upload("/api/files", parts: [.field("purpose", "user_data"), .file(filename: "d.csv", text: "1,2")])
            let fileID = try #require(try uploaded.json()["id"]?.stringValue)
            let result = try await gateway.request(
                .POST,
                Self.route,
                json: ["input": "Chart it", "file_ids": [.string(fileID)], "memory_limit": "16g", "instructions": "Be terse."]
            )
            #expect(result.status == 201, "\(result.text)")
            let json = try result.json()
            #expect(json["instructions"] == "Be terse.")
            #expect(
                json["tools"] == [["type": "code_interpreter", "container": ["type": "auto", "file_ids": [.string(fileID)], "memory_limit": "16g"]]]
            )

            let existing = try await gateway.request(
                .POST,
                Self.route,
                json: ["input": "Again", "container_id": "cntr_123", "tools": [["type": "code_interpreter", "container": ["type": "auto"]]]]
            )
            #expect(existing.status == 201, "\(existing.text)")
            #expect(try existing.json()["tools"] == [["type": "code_interpreter", "container": "cntr_123"]])
            #expect(gateway.upstreamCount("POST /v1/files") == 1)
        }
    }

    @Test("stream=true answers with the text route's server-sent events, from a form or JSON")
    func streaming() async throws {
        try await GatewayHarness.run { gateway in
            let form = try await gateway.upload(
                Self.route,
                parts: [
                    .field("input", "Count lines"), .field("stream", "true"),
                    .file("files", filename: "l.txt", contentType: "text/plain", text: "a\nb\n"),
                ]
            )
            #expect(form.status == 201, "\(form.text)")
            #expect(form.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            var parser = ServerSentEventParser()
            parser.append(ByteBuffer(bytes: form.body))
            var names: [String] = []
            while let event = parser.nextEvent() { names.append(event.event ?? "message") }
            #expect(names.first == "response_created")
            #expect(names.last == "response_completed")
            #expect(names.contains("text_delta"))

            let json = try await gateway.stream(.POST, Self.route, json: ["input": "Count lines", "stream": true])
            #expect(json.status == 201)
            #expect(json.frames.last?.name == "response_completed")
            #expect(gateway.upstreamCount("POST /v1/responses") == 2)
        }
    }

    @Test("a failed Responses call deletes the files uploaded for it, and says so in the log")
    func cleanupOnFailure() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", status: 400, count: 1))
            let result = try await gateway.upload(
                Self.route,
                parts: [
                    .field("input", "Analyse"),
                    .file("files", filename: "one.csv", contentType: "text/csv", text: "1"),
                    .file("files", filename: "two.csv", contentType: "text/csv", text: "2"),
                ]
            )
            #expect(result.status == 400, "\(result.text)")
            #expect(gateway.upstreamCount("POST /v1/files") == 2)
            #expect(gateway.upstreamCount("DELETE /v1/files/{id}") == 2)
            #expect(try await Self.storedFiles(gateway).isEmpty)
            return gateway
        }
        let call = try #require(try gateway.logEntries().first { $0["route"] == "/api/responses/code-interpreter" })
        #expect(call["status"] == 400)
        let uploaded = call["uploaded_file_ids"]?.arrayValue ?? []
        #expect(uploaded.count == 2)
        #expect(call["deleted_file_ids"]?.arrayValue == uploaded)
        let files = try gateway.logEntries(api: "files").filter { $0["route"] == "/api/responses/code-interpreter" }
        #expect(files.filter { $0["endpoint"] == "DELETE /v1/files/{id}" }.map { $0["file_id"] ?? .null } == uploaded)
    }

    @Test("a bad field after a file is a 400, and the file already uploaded is deleted")
    func badFieldAfterUpload() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                Self.route,
                parts: [.file("files", filename: "one.csv", contentType: "text/csv", text: "1"), .field("memory_limit", "2g")]
            )
            #expect(result.status == 400, "\(result.text)")
            let json = try result.json()
            // input never came, and memory_limit is not one of the sizes: both at once.
            #expect(Set(json["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? []) == ["input", "memory_limit"])
            #expect(gateway.upstreamCount("POST /v1/files") == 1)
            #expect(gateway.upstreamCount("DELETE /v1/files/{id}") == 1)
            #expect(gateway.upstreamCount("POST /v1/responses") == 0)
            #expect(try await Self.storedFiles(gateway).isEmpty)
        }
    }

    @Test("an empty second file aborts its own upload, and the first file is deleted")
    func emptySecondFile() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                Self.route,
                parts: [
                    .field("input", "x"), .file("files", filename: "one.csv", contentType: "text/csv", text: "1"),
                    .file("files", filename: "empty.csv", contentType: "text/csv", text: ""),
                ]
            )
            #expect(result.status == 400, "\(result.text)")
            #expect(try result.json()["parameter"] == "files")
            #expect(gateway.upstreamCount("DELETE /v1/files/{id}") == 1)
            #expect(gateway.upstreamCount("POST /v1/responses") == 0)
            #expect(try await Self.storedFiles(gateway).isEmpty)
        }
    }

    @Test("a body that breaks off after a file is a 400, and the uploaded file is deleted")
    func truncatedBody() async throws {
        try await GatewayHarness.run { gateway in
            let boundary = GatewayHarness.testBoundary
            let text =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\nx\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n1,2\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"b.csv\"\r\nContent-Type: text/csv\r\n\r\n3,"
            var request = HTTPClientRequest(url: gateway.baseURL + Self.route)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            request.body = .bytes(ByteBuffer(string: text))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 400, "\(String(buffer: body))")
            #expect(gateway.upstreamCount("DELETE /v1/files/{id}") == 1)
            #expect(try await Self.storedFiles(gateway).isEmpty)
        }
    }

    @Test(
        "each new field is validated, before anything is uploaded",
        arguments: [
            ([TestPart.field("input", "x"), .field("memory_limit", "2g")], "memory_limit"),
            ([TestPart.field("input", "x"), .field("container_id", "")], "container_id"),
            ([TestPart.field("input", "x"), .field("tools", "[{type: code_interpreter}")], "tools"),
            ([TestPart.field("input", "x"), .field("temperature", "hot")], "temperature"),
            ([TestPart.field("input", "x"), .field("container_id", "cntr_1")], "files"),
            ([TestPart.field("input", "x"), .field("container_id", "cntr_1"), .field("memory_limit", "4g")], "memory_limit"),
            (
                [TestPart.field("input", "x"), .field("tools", #"[{"type": "code_interpreter", "container": {"type": "big"}}]"#)],
                "tools[0].container.type"
            ),
        ]
    )
    func fieldValidation(parts: [TestPart], parameter: String) async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(Self.route, parts: parts + [.file("files", filename: "f.csv", contentType: "text/csv", text: "1")])
            #expect(result.status == 400, "\(result.text)")
            let json = try result.json()
            let parameters =
                json["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? json["parameter"].flatMap(\.stringValue).map { [$0] } ?? []
            #expect(parameters.contains(parameter), "\(result.text)")
            #expect(gateway.upstreamCount("POST /v1/files") == 0)
        }
    }

    @Test("JSON body rules: file_ids, memory_limit, container_id, and the text route's rules")
    func jsonValidation() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(
                .POST,
                Self.route,
                json: ["input": "x", "file_ids": ["doc-1"], "memory_limit": "8g", "temperature": 3]
            )
            #expect(result.status == 400)
            let parameters = try result.json()["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? []
            #expect(Set(parameters) == ["file_ids[0]", "memory_limit", "temperature"])
            let files = try await gateway.upload(
                Self.route,
                parts: [.field("input", "x"), .file("files", filename: "tool.exe", contentType: "application/x-msdownload", text: "MZ")]
            )
            #expect(files.status == 400)
            #expect(try files.json()["parameter"] == "files")
            #expect(gateway.upstreamCount("POST /v1/responses") == 0)
        }
    }

    // MARK: - Input tokens

    @Test("input-tokens: the upstream count, the model and the estimated input cost; output-only fields are not sent")
    func inputTokens() async throws {
        let input = "Tell me a joke about lighthouses."
        let gateway = try await GatewayHarness.run { gateway in
            let result = try await gateway.request(
                .POST,
                "/api/responses/input-tokens",
                json: [
                    "model": "gpt-4o", "input": .string(input), "instructions": "Be brief.", "stream": true, "store": false,
                    "temperature": 0.2, "max_output_tokens": 50, "metadata": ["a": "b"], "include": ["reasoning.encrypted_content"],
                ]
            )
            #expect(result.status == 200, "\(result.text)")
            let json = try result.json()
            let expected = (input.count + "Be brief.".count + 3) / 4
            #expect(json["object"] == "response.input_tokens")
            #expect(json["input_tokens"]?.intValue == expected)
            #expect(json["model"] == "gpt-4o")
            let price = try #require(ModelCatalogue.bundled.model("gpt-4o")?.prices.tokens?.input)
            let cost = try #require(json["estimated_input_cost_usd"]?.doubleValue)
            #expect(abs(cost - Double(expected) * price / 1_000_000) < 1e-12)
            // The same count as a create's usage.
            let created = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["model": "gpt-4o", "input": .string(input), "instructions": "Be brief."]
            )
            #expect(try created.json()["usage"]?["input_tokens"]?.intValue == expected)
            #expect(gateway.upstreamCount("POST /v1/responses/input_tokens") == 1)
            return gateway
        }
        let entry = try #require(try gateway.logEntries().first { $0["route"] == "/api/responses/input-tokens" })
        #expect(entry["endpoint"] == "POST /v1/responses/input_tokens")
        #expect(entry["status"] == 200)
        #expect(entry["estimated_input_cost_usd"]?.doubleValue != nil)
        #expect(entry["model"] == "gpt-4o")
    }

    @Test("input-tokens: the text route's rules, the default model, and prompt refused")
    func inputTokensValidation() async throws {
        try await GatewayHarness.run(configure: { $0.defaultModel = "gpt-4.1-mini" }) { gateway in
            let bad = try await gateway.request(.POST, "/api/responses/input-tokens", json: ["temperature": 3, "prompt": ["id": "pmpt_1"]])
            #expect(bad.status == 400)
            let parameters = try bad.json()["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? []
            #expect(Set(parameters) == ["input", "temperature", "prompt"])
            let defaulted = try await gateway.request(.POST, "/api/responses/input-tokens", json: ["input": "Hi"])
            #expect(defaulted.status == 200, "\(defaulted.text)")
            #expect(try defaulted.json()["model"] == "gpt-4.1-mini")
            #expect(gateway.upstreamCount("POST /v1/responses/input_tokens") == 1)
        }
    }
}

/// The request bodies the code-interpreter route builds.
@Suite("Code interpreter request bodies")
struct CodeInterpreterRequestTests {
    @Test("include defaults to the code's outputs; the route's fields do not go upstream; a tool is added when there is none")
    func upstreamBody() {
        let body = CodeInterpreterRequest.upstreamBody(
            ["input": "x", "memory_limit": "1g", "file_ids": ["file-a"], "top_p": 0.5],
            uploadedFileIDs: ["file-b"],
            defaultModel: "gpt-4o",
            stream: false
        )
        #expect(body["include"] == ["code_interpreter_call.outputs"])
        #expect(body["memory_limit"] == nil)
        #expect(body["file_ids"] == nil)
        #expect(body["top_p"] == 0.5)
        #expect(body["model"] == "gpt-4o")
        #expect(
            body["tools"] == [["type": "code_interpreter", "container": ["type": "auto", "file_ids": ["file-a", "file-b"], "memory_limit": "1g"]]]
        )
        let kept = CodeInterpreterRequest.upstreamBody(
            ["input": "x", "include": ["web_search_call.results"], "tools": [["type": "code_interpreter", "container": "cntr_9"]]],
            uploadedFileIDs: [],
            defaultModel: "gpt-4o",
            stream: true
        )
        #expect(kept["include"] == ["web_search_call.results"])
        #expect(kept["tools"] == [["type": "code_interpreter", "container": "cntr_9"]])
        #expect(kept["stream"] == true)
    }

    @Test("form fields become JSON: JSON text parsed, numbers and booleans read, the rest strings")
    func formFields() {
        var fields = FormFields()
        for (name, value) in [
            ("input", "[draft] notes"), ("tools", #"[{"type": "code_interpreter"}]"#), ("temperature", "0.7"), ("max_output_tokens", "12"),
            ("store", "false"), ("tool_choice", "auto"), ("metadata", "{oops"), ("custom", "1"),
        ] {
            fields.append(name: name, value: value)
        }
        let (body, problems) = CodeInterpreterRequest.body(fromForm: fields)
        #expect(body["input"] == "[draft] notes")
        #expect(body["tools"] == [["type": "code_interpreter"]])
        #expect(body["temperature"] == 0.7)
        #expect(body["max_output_tokens"] == 12)
        #expect(body["store"] == false)
        #expect(body["tool_choice"] == "auto")
        #expect(body["custom"] == "1")
        #expect(problems.map(\.parameter) == ["metadata"])
    }

    @Test("input-tokens bodies keep only what POST /responses/input_tokens takes, and unknown fields")
    func inputTokensBody() {
        let body = InputTokensRequest.upstreamBody(
            ["input": "x", "stream": true, "store": true, "temperature": 1, "tools": [], "reasoning": ["effort": "low"], "x_new": 1],
            defaultModel: "gpt-5"
        )
        #expect(body == ["model": "gpt-5", "input": "x", "tools": [], "reasoning": ["effort": "low"], "x_new": 1])
    }
}
