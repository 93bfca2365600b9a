import OpenAIClient
import Testing

@Suite("ResponseStreamEvent")
struct ResponseStreamEventTests {
    @Test func knownTypesMatchTheSpec() {
        // components/schemas/ResponseStreamEvent in shared/reference/openai-openapi.yaml is an anyOf
        // of 58 refs (counted when this file was written); regenerate with
        // scripts/generate_stream_events.py and update this number when the spec grows.
        #expect(ResponseStreamEvent.knownTypes.count == 58)
        #expect(Set(ResponseStreamEvent.knownTypes).count == ResponseStreamEvent.knownTypes.count)
        #expect(ResponseStreamEvent.knownTypes.contains("response.output_text.delta"))
        #expect(ResponseStreamEvent.knownTypes.contains("error"))
    }

    @Test(arguments: ResponseStreamEvent.knownTypes.enumerated().map { ($0.offset, $0.element) })
    func everySpecTypeDecodesToItsOwnCase(_ index: Int, _ type: String) {
        let json: JSONValue = ["type": .string(type), "sequence_number": .int(Int64(index))]
        let event = ResponseStreamEvent(json: json)
        if case .unknown = event {
            Issue.record("\(type) decoded as .unknown")
        }
        // `type` is read from the payload struct's static type, so a wrong case would show here.
        #expect(event.type == type)
        #expect(event.sequenceNumber == index)
        #expect(event.raw == json)
        #expect(event == ResponseStreamEvent(json: json))
    }

    @Test func caseNamesFollowTheWireType() {
        let delta = ResponseStreamEvent(json: ["type": "response.output_text.delta"])
        guard case .outputTextDelta = delta else {
            Issue.record("expected .outputTextDelta, got \(delta)")
            return
        }
        let created = ResponseStreamEvent(json: ["type": "response.created"])
        guard case .responseCreated = created else {
            Issue.record("expected .responseCreated, got \(created)")
            return
        }
        let error = ResponseStreamEvent(json: ["type": "error"])
        guard case .error = error else {
            Issue.record("expected .error, got \(error)")
            return
        }
    }

    @Test func unknownTypeKeepsThePayloadUnchanged() throws {
        let text =
            #"{"type":"response.future_feature.delta","sequence_number":12,"nested":{"z":1,"a":[1,2.5,"x\n",null,true]},"id":"x"}"#
        let event = ResponseStreamEvent(json: try JSONValue(parsing: text))
        guard case .unknown(let type, let raw) = event else {
            Issue.record("expected .unknown, got \(event)")
            return
        }
        #expect(type == "response.future_feature.delta")
        #expect(raw.jsonString == text)
        #expect(event.type == type)
        #expect(event.sequenceNumber == 12)
        #expect(event.raw.jsonString == text)
    }

    @Test func missingOrNonStringTypeIsUnknown() throws {
        for text in [#"{"delta":"x"}"#, #"{"type":5}"#, #"[1,2]"#, #""text""#] {
            let event = ResponseStreamEvent(json: try JSONValue(parsing: text))
            guard case .unknown(let type, let raw) = event else {
                Issue.record("expected .unknown for \(text)")
                continue
            }
            #expect(type == "")
            #expect(raw.jsonString == text)
        }
    }

    @Test func typedAccessorsReadThePayload() throws {
        let text =
            #"{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":2,"delta":"Hé😀","logprobs":[]}"#
        let event = try ResponseStreamEvent(parsing: ServerSentEvent(event: "response.output_text.delta", data: text))
        guard case .outputTextDelta(let delta) = event else {
            Issue.record("expected .outputTextDelta, got \(event)")
            return
        }
        #expect(delta.delta == "Hé😀")
        #expect(delta.itemId == "msg_1")
        #expect(delta.outputIndex == 0)
        #expect(delta.contentIndex == 2)
        #expect(delta.sequenceNumber == 4)
        #expect(delta.logprobs == .array([]))
        #expect(event.sequenceNumber == 4)
        #expect(ResponseTextDeltaEvent.type == "response.output_text.delta")
        #expect(JSONValue.object(delta.raw).jsonString == text)
    }

    @Test func errorEventAccessors() throws {
        let event = try ResponseStreamEvent(
            parsing: ServerSentEvent(
                event: "error",
                data: #"{"type":"error","code":null,"message":"boom","param":"input","sequence_number":9}"#
            )
        )
        guard case .error(let error) = event else {
            Issue.record("expected .error, got \(event)")
            return
        }
        #expect(error.code == nil)
        #expect(error.message == "boom")
        #expect(error.param == "input")
        #expect(error.sequenceNumber == 9)
    }

    @Test func sseEventNameIsUsedWhenTheJSONHasNoType() throws {
        let event = try ResponseStreamEvent(
            parsing: ServerSentEvent(event: "response.output_text.delta", data: #"{"delta":"hi"}"#)
        )
        guard case .outputTextDelta(let delta) = event else {
            Issue.record("expected .outputTextDelta, got \(event)")
            return
        }
        #expect(delta.delta == "hi")
        #expect(event.raw["type"] == "response.output_text.delta")

        let unknown = try ResponseStreamEvent(parsing: ServerSentEvent(event: "brand.new", data: #"{"x":1}"#))
        #expect(unknown == .unknown(type: "brand.new", raw: ["x": 1, "type": "brand.new"]))
    }

    @Test func jsonTypeWinsOverTheSSEEventName() throws {
        let event = try ResponseStreamEvent(
            parsing: ServerSentEvent(event: "message", data: #"{"type":"response.created","response":{"id":"resp_1"}}"#)
        )
        guard case .responseCreated(let created) = event else {
            Issue.record("expected .responseCreated, got \(event)")
            return
        }
        #expect(created.response?["id"] == "resp_1")
        #expect(event.raw["type"] == "response.created")
    }

    @Test func dataThatIsNotJSONThrowsInvalidResponse() {
        for data in ["[DONE]", "{\"type\":", "not json", ""] {
            #expect {
                _ = try ResponseStreamEvent(parsing: ServerSentEvent(event: "x", data: data))
            } throws: { error in
                (error as? OpenAIError)?.kind == .invalidResponse
            }
        }
    }

    @Test func doneSentinel() {
        #expect(ResponseStreamEvent.isDone(ServerSentEvent(data: "[DONE]")))
        #expect(!ResponseStreamEvent.isDone(ServerSentEvent(data: "[DONE] ")))
        #expect(!ResponseStreamEvent.isDone(ServerSentEvent(data: #"{"type":"response.completed"}"#)))
    }
}
