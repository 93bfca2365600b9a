import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite("Text request validation")
struct TextValidationTests {
    /// The problems for `{"input": "hi"}` plus `extra`.
    func problems(_ extra: JSONObject) -> [ValidationProblem] {
        var body: JSONObject = ["input": "hi"]
        for (key, value) in extra { body[key] = value }
        return TextResponseRequest.validate(.object(body))
    }

    func parameters(_ extra: JSONObject) -> [String] { problems(extra).map(\.parameter) }

    @Test func minimalBodyIsValid() {
        #expect(TextResponseRequest.validate(["input": ""]).isEmpty)
        #expect(TextResponseRequest.validate(["input": "hi", "model": ""]).isEmpty)
        #expect(TextResponseRequest.validate(["input": "hi", "model": nil, "temperature": nil, "metadata": nil]).isEmpty)
    }

    @Test func bodyMustBeAnObject() {
        let result = TextResponseRequest.validate(["input", "hi"])
        #expect(result.count == 1)
        #expect(result.first?.parameter == "body")
        #expect(result.first?.message.contains("JSON object") == true)
    }

    @Test func inputIsRequiredStringOrArrayOfObjects() throws {
        let missing = TextResponseRequest.validate(["model": "gpt-5"])
        #expect(missing.map(\.message) == ["input is required"])
        #expect(try #require(missing.first?.hint).contains("Send input as a string"))
        #expect(TextResponseRequest.validate(["input": nil]).map(\.parameter) == ["input"])
        #expect(TextResponseRequest.validate(["input": 5]).map(\.message) == ["input must be a string"])
        #expect(TextResponseRequest.validate(["input": [["role": "user", "content": "hi"]]]).isEmpty)
        #expect(TextResponseRequest.validate(["input": []]).isEmpty)
        let badItem = TextResponseRequest.validate(["input": [["role": "user"], "text"]])
        #expect(badItem.map(\.parameter) == ["input[1]"])
        #expect(badItem.first?.message == "input[1] must be an object")
    }

    @Test(arguments: [0.0, 1.0, 2.0])
    func temperatureInRange(_ value: Double) {
        #expect(problems(["temperature": .double(value)]).isEmpty)
    }

    @Test func temperatureBounds() throws {
        let high = problems(["temperature": 2.01])
        #expect(high.map(\.parameter) == ["temperature"])
        #expect(high.first?.message == "temperature must not be greater than 2")
        #expect(try #require(high.first?.hint).contains("between 0 and 2"))
        #expect(problems(["temperature": -0.1]).first?.message == "temperature must not be less than 0")
        #expect(problems(["temperature": "1"]).first?.message == "temperature must be a number")
    }

    @Test func topPBounds() {
        #expect(problems(["top_p": 0]).isEmpty)
        #expect(problems(["top_p": 1]).isEmpty)
        #expect(problems(["top_p": 1.5]).first?.message == "top_p must not be greater than 1")
        #expect(problems(["top_p": -1]).first?.message == "top_p must not be less than 0")
    }

    @Test func maxOutputTokensIsPositiveInteger() throws {
        #expect(problems(["max_output_tokens": 1]).isEmpty)
        #expect(problems(["max_output_tokens": 4096]).isEmpty)
        #expect(problems(["max_output_tokens": 0]).first?.message == "max_output_tokens must not be less than 1")
        let fractional = problems(["max_output_tokens": 1.5])
        #expect(fractional.first?.message == "max_output_tokens must be an integer number")
        #expect(try #require(fractional.first?.hint).contains("whole number"))
        #expect(problems(["max_output_tokens": 2.0]).isEmpty)
    }

    @Test func modalities() {
        #expect(problems(["modalities": ["text", "audio"]]).isEmpty)
        #expect(problems(["modalities": []]).map(\.message) == ["modalities array cannot be empty"])
        let video = problems(["modalities": ["text", "video"]])
        #expect(video.map(\.parameter) == ["modalities[1]"])
        #expect(video.first?.message == #"Each modality must be either "text" or "audio""#)
        #expect(problems(["modalities": "text"]).first?.message == "modalities must be an array")
    }

    @Test func booleansStringsObjectsAndArrays() {
        #expect(problems(["stream": true, "store": false, "parallel_tool_calls": true, "background": nil]).isEmpty)
        #expect(problems(["store": "yes"]).first?.message == "store must be a boolean value")
        #expect(problems(["background": 1]).map(\.parameter) == ["background"])
        #expect(problems(["instructions": 3]).first?.message == "instructions must be a string")
        #expect(problems(["previous_response_id": true]).map(\.parameter) == ["previous_response_id"])
        #expect(problems(["text": ["format": ["type": "text"]], "reasoning": ["effort": "low"]]).isEmpty)
        #expect(problems(["text": []]).first?.message == "text must be an object")
        #expect(problems(["reasoning": "low"]).first?.message == "reasoning must be an object")
        #expect(problems(["stream_options": [1]]).map(\.parameter) == ["stream_options"])
        #expect(problems(["include": "x"]).first?.message == "include must be an array")
        #expect(problems(["tools": [:]]).first?.message == "tools must be an array")
        #expect(problems(["prompt": "pmpt_1"]).first?.message == "prompt must be an object")
        #expect(problems(["prompt": ["id": "pmpt_1"], "include": nil, "tools": nil]).isEmpty)
    }

    @Test func anythingGoesForUncheckedFields() {
        #expect(problems(["conversation": 1, "tool_choice": "auto", "service_tier": "flex", "truncation": "auto"]).isEmpty)
    }

    @Test("the members whose rules the spec states follow the spec's schemas")
    func specMembers() {
        #expect(problems(["service_tier": 7]).map(\.message) == ["service_tier must be a string"])
        #expect(
            problems(["service_tier": "turbo"]).first?.message == "service_tier must be one of: auto, default, flex, scale, priority, fast, ultrafast"
        )
        #expect(problems(["truncation": "sometimes"]).map(\.parameter) == ["truncation"])
        #expect(problems(["reasoning": ["effort": "extreme"]]).map(\.parameter) == ["reasoning.effort"])
        #expect(problems(["reasoning": ["summary": "long"]]).map(\.parameter) == ["reasoning.summary"])
        #expect(problems(["include": ["reasoning.encrypted_content", "everything"]]).map(\.parameter) == ["include[1]"])
        #expect(problems(["top_logprobs": 21]).first?.message == "top_logprobs must be at most 20")
        #expect(problems(["max_tool_calls": "3"]).map(\.parameter) == ["max_tool_calls"])
        #expect(problems(["safety_identifier": .string(String(repeating: "s", count: 65))]).map(\.parameter) == ["safety_identifier"])
        #expect(
            problems(["text": ["format": ["type": "json_schema", "name": "has space", "schema": ["type": "object"]]]]).map(\.parameter) == [
                "text.format.name"
            ]
        )
        #expect(problems(["text": ["format": ["type": "json_schema", "name": "report"]]]).map(\.parameter) == ["text.format.schema"])
        #expect(
            problems([
                "text": ["format": ["type": "json_schema", "name": "report", "schema": ["type": "object"], "strict": true], "verbosity": "low"]
            ]).isEmpty
        )
        #expect(problems(["text": ["format": ["type": "xml"]]]).map(\.parameter) == ["text.format.type"])
    }

    @Test("prompt: pmpt_ id, non-empty version, typed variables")
    func promptRules() {
        #expect(
            problems(["prompt": ["id": "pmpt_abc", "version": "2", "variables": ["city": "Paris", "note": ["type": "input_text", "text": "hi"]]]])
                .isEmpty
        )
        #expect(problems(["prompt": ["id": "prompt_1"]]).map(\.parameter) == ["prompt.id"])
        #expect(problems(["prompt": ["id": "pmpt_"]]).map(\.parameter) == ["prompt.id"])
        #expect(problems(["prompt": ["version": "1"]]).map(\.parameter) == ["prompt.id"])
        #expect(problems(["prompt": ["id": "pmpt_a", "version": ""]]).map(\.parameter) == ["prompt.version"])
        #expect(problems(["prompt": ["id": "pmpt_a", "variables": ["x": 3]]]).map(\.parameter) == ["prompt.variables.x"])
        #expect(
            problems(["prompt": ["id": "pmpt_a", "variables": ["x": ["type": "input_text", "text": ""]]]]).map(\.parameter) == [
                "prompt.variables.x.text"
            ]
        )
        #expect(
            problems(["prompt": ["id": "pmpt_a", "variables": ["x": ["type": "input_image", "image_url": "https://a/b.png"]]]]).map(\.parameter) == [
                "prompt.variables.x.detail"
            ]
        )
        #expect(
            problems(["prompt": ["id": "pmpt_a", "variables": ["x": ["type": "input_file", "file_id": "abc"]]]]).map(\.parameter) == [
                "prompt.variables.x.file_id"
            ]
        )
        #expect(problems(["prompt": ["id": "pmpt_a", "variables": ["x": ["type": "input_audio"]]]]).map(\.parameter) == ["prompt.variables.x.type"])
    }

    @Test func metadataLimits() throws {
        let sixteen = JSONObject((0..<16).map { ("k\($0)", JSONValue.string("v")) })
        #expect(problems(["metadata": .object(sixteen)]).isEmpty)
        let seventeen = JSONObject((0..<17).map { ("k\($0)", JSONValue.string("v")) })
        #expect(problems(["metadata": .object(seventeen)]).first?.message == "metadata must have at most 16 key-value pairs")
        let longKey = String(repeating: "k", count: 65)
        #expect(
            problems(["metadata": .object(JSONObject([(longKey, JSONValue.string("v"))]))]).first?.message
                == "metadata keys must be at most 64 characters"
        )
        #expect(
            problems(["metadata": .object(JSONObject([(String(repeating: "k", count: 64), JSONValue.string(String(repeating: "v", count: 512)))]))])
                .isEmpty
        )
        let longValue = problems(["metadata": ["note": .string(String(repeating: "v", count: 513))]])
        #expect(longValue.map(\.parameter) == ["metadata.note"])
        let number = problems(["metadata": ["count": 3]])
        #expect(number.first?.message == "metadata.count must be a string")
        #expect(problems(["metadata": ["a b": 3]]).first?.parameter == #"metadata["a b"]"#)
        #expect(problems(["metadata": []]).first?.message == "metadata must be an object")
    }

    @Test func toolRules() {
        #expect(problems(["tools": [["type": "web_search"], ["type": "code_interpreter", "container": ["type": "auto"]]]]).isEmpty)
        let badContainer = problems([
            "tools": [
                ["type": "function", "name": "f", "parameters": ["type": "object"], "strict": true], ["type": "code_interpreter", "container": 5],
            ]
        ])
        #expect(badContainer.map(\.parameter) == ["tools[1].container"])
        let badType = problems(["tools": [["type": "code_interpreter", "container": ["type": "manual", "file_ids": ["file-", "file-a"]]]]])
        #expect(badType.map(\.parameter) == ["tools[0].container.type", "tools[0].container.file_ids[0]"])
        let fileSearch = problems(["tools": [["type": "file_search", "vector_store_ids": ["abc"], "max_num_results": 51]]])
        #expect(fileSearch.map(\.parameter) == ["tools[0].vector_store_ids[0]", "tools[0].max_num_results"])
        #expect(problems(["tools": [["type": "file_search"]]]).map(\.parameter) == ["tools[0].vector_store_ids"])
        #expect(problems(["tools": ["web_search"]]).map(\.parameter) == ["tools[0]"])
        #expect(problems(["tools": [["name": "f"]]]).map(\.parameter) == ["tools[0].type"])
    }

    @Test func reportsEveryProblemAtOnce() {
        let result = TextResponseRequest.validate([
            "model": 5, "temperature": 3, "top_p": -1, "modalities": ["text", "video"], "max_output_tokens": 0,
        ])
        #expect(result.map(\.parameter) == ["model", "input", "modalities[1]", "temperature", "top_p", "max_output_tokens"])
        #expect(result.allSatisfy { $0.hint?.isEmpty == false })
        let error = GatewayError.validation(result)
        #expect(error.status == .badRequest)
        #expect(error.parameter == "model")
        #expect(error.body(path: "/api/responses/text", requestID: nil)["errors"]?.arrayValue?.count == 6)
    }

    @Test func unknownFieldsPassAndAreForwarded() throws {
        let body: JSONObject = ["input": "hi", "future_param": ["x": 1], "model": "gpt-5-mini", "text": nil]
        #expect(TextResponseRequest.validate(.object(body)).isEmpty)
        let upstream = TextResponseRequest.upstreamBody(body, defaultModel: "gpt-4o", stream: false)
        #expect(upstream["future_param"] == ["x": 1])
        #expect(upstream["model"] == "gpt-5-mini")
        #expect(upstream["text"] == .null)
        #expect(upstream["stream"] == false)
    }

    @Test(arguments: [JSONValue?.none, .some(""), .some(.null)])
    func defaultModelSubstitution(_ model: JSONValue?) {
        var body: JSONObject = ["input": "hi"]
        body["model"] = model
        let upstream = TextResponseRequest.upstreamBody(body, defaultModel: "gpt-4o", stream: true)
        #expect(upstream["model"] == "gpt-4o")
        #expect(upstream.keys.first == "model" || model != nil)
        #expect(upstream["stream"] == true)
    }

    @Test func streamForcedAndStreamOptionsDroppedWhenNotStreaming() {
        let body: JSONObject = ["input": "hi", "stream": true, "stream_options": ["include_obfuscation": false]]
        let plain = TextResponseRequest.upstreamBody(body, defaultModel: "m", stream: false)
        #expect(plain["stream"] == false)
        #expect(plain["stream_options"] == nil)
        let streamed = TextResponseRequest.upstreamBody(body, defaultModel: "m", stream: true)
        #expect(streamed["stream_options"] == ["include_obfuscation": false])
    }

    @Test func formFieldsCanCarryNumbersAsStrings() {
        var form = FieldValidator(["n": "2", "speed": "0.5", "flag": "true", "bad": "x"], acceptsStrings: true)
        #expect(form.integer("n", min: 1, max: 10) == 2)
        #expect(form.number("speed", min: 0.25, max: 4) == 0.5)
        #expect(form.boolean("flag") == true)
        #expect(form.number("bad") == nil)
        #expect(form.problems.map(\.parameter) == ["bad"])
        var json = FieldValidator(["n": "2"])
        #expect(json.integer("n") == nil)
        #expect(json.problems.first?.message == "n must be an integer number")
    }

    @Test func oneOfAndNestedPaths() {
        var rules = FieldValidator(["order": "up", "expires_after": ["anchor": "x", "seconds": 10]])
        rules.oneOf("order", values: ["asc", "desc"])
        rules.nested("expires_after") { nested in
            nested.oneOf("anchor", values: ["created_at"], message: #"anchor must be "created_at""#)
            nested.integer("seconds", min: 3600)
        }
        #expect(rules.problems.map(\.parameter) == ["order", "expires_after.anchor", "expires_after.seconds"])
        #expect(rules.problems.first?.message == "order must be one of: asc, desc")
        #expect(rules.problems.last?.message == "expires_after.seconds must not be less than 3600")
    }
}
