import Foundation
import OpenAIClient

/// One server-sent event for the client: its name, payload and sequence number (also its `id:`).
public struct RelayFrame: Sendable, Hashable {
    public var event: String
    public var payload: JSONValue
    public var sequence: Int

    /// Whether the frame came from the upstream. Frames the gateway adds (the final `error`) carry the
    /// next number in `sequence` but no `id:` line, so a browser's `Last-Event-ID` stays at the last
    /// upstream event and a resume does not skip the event with that number.
    public var isUpstreamEvent = true

    public var serverSentEvent: ServerSentEvent {
        ServerSentEvent(event: event, data: payload.jsonString, id: isUpstreamEvent ? String(sequence) : nil)
    }
}

/// Turns upstream Responses stream events into the reference app's SSE events (seed-behavior §3.3
/// and §3.5), keeping the per-stream state the payloads need (text so far, reasoning, usage).
///
/// Fixes over the reference: `sequence` is always the upstream `sequence_number`, one frame per
/// upstream event (`response.completed` without a response still produces a frame), computer-use
/// events are mapped on every route, and the completed response is priced by its own model.
public struct ResponseEventRelay: Sendable {
    public private(set) var fullText = ""
    public private(set) var reasoning = ""
    public private(set) var reasoningSummary = ""
    public private(set) var refusal = ""
    public private(set) var audio = ""
    public private(set) var audioTranscript = ""
    public private(set) var responseID: String?
    public private(set) var model: String?
    public private(set) var usage: JSONValue?
    public private(set) var finalStatus: String?
    public private(set) var lastSequence: Int?
    public private(set) var eventCount = 0
    /// The `response.failed` or `error` event that ended the stream, if any.
    public private(set) var failure: JSONValue?
    private var argumentSnapshots: [String: String] = [:]
    let startTime: ContinuousClock.Instant
    /// The image route's shorter map (seed-behavior §3.4): only these types are mapped as on the text
    /// route; every other event is structural (its type without `response.`, payload `{item, part, sequence}`).
    let imageMap: Bool

    static let imageMapTypes: Set<String> = [
        "response.created", "response.completed", "response.failed", "error", "response.output_text.delta", "response.output_text.done",
        "response.image_generation_call.in_progress", "response.image_generation_call.generating",
        "response.image_generation_call.partial_image", "response.image_generation_call.completed",
    ]

    public init(startTime: ContinuousClock.Instant = .now, imageMap: Bool = false) {
        self.startTime = startTime
        self.imageMap = imageMap
    }

    /// The number the next frame the gateway adds on its own (e.g. an error) should carry.
    public var nextSequence: Int { (lastSequence ?? -1) &+ 1 }

    /// Maps one upstream event to the frame the client receives.
    public mutating func frame(for event: ResponseStreamEvent) -> RelayFrame {
        let raw = event.raw
        let type = event.type
        let sequence = event.sequenceNumber ?? nextSequence
        lastSequence = max(lastSequence ?? sequence, sequence)
        eventCount += 1
        var out = JSONObject()
        let name: String

        func copy(_ key: String, as outKey: String? = nil) { out[outKey ?? key] = raw[key] }
        func callID() -> JSONValue { raw["item_id"] ?? raw["call_id"] ?? .string("unknown") }
        func optionalCallID() -> JSONValue? { raw["item_id"] ?? raw["call_id"] }

        if imageMap, !Self.imageMapTypes.contains(type) {
            if type == "response.incomplete" {
                // Structural on this route, but its usage is the call's and it ends the stream.
                let response = raw["response"]
                responseID = responseID ?? response?["id"]?.stringValue
                usage = response?["usage"].flatMap { $0.isNull ? nil : $0 }
                finalStatus = "incomplete"
                out["incomplete_details"] = response?["incomplete_details"] ?? raw["incomplete_details"]
            }
            out["item"] = raw["item"]
            out["part"] = raw["part"]
            out["sequence"] = .int(Int64(sequence))
            let name = type.hasPrefix("response.") ? String(type.dropFirst("response.".count)) : type
            return RelayFrame(event: name, payload: .object(out), sequence: sequence)
        }
        switch type {
        case "response.created", "response.queued", "response.in_progress":
            let response = raw["response"]
            if let id = response?["id"]?.stringValue { responseID = id }
            if let model = response?["model"]?.stringValue { self.model = model }
            name = "response_" + type.dropFirst("response.".count)
            out["response_id"] = response?["id"]
            if type == "response.created" { out["model"] = response?["model"] }
        case "response.completed", "response.incomplete", "response.failed":
            let response = raw["response"]
            if let id = response?["id"]?.stringValue { responseID = responseID ?? id }
            if let model = response?["model"]?.stringValue { self.model = model }
            usage = response?["usage"].flatMap { $0.isNull ? nil : $0 }
            finalStatus = response?["status"]?.stringValue ?? String(type.dropFirst("response.".count))
            name = "response_" + type.dropFirst("response.".count)
            out["response_id"] = JSONValue(responseID)
            switch type {
            case "response.completed":
                out["output_text"] = .string(fullText)
                out["usage"] = usage ?? .null
                out["status"] = response?["status"] ?? .null
                out["latency_ms"] = .int(Int64(latencyMilliseconds))
            case "response.incomplete":
                out["incomplete_details"] = response?["incomplete_details"] ?? raw["incomplete_details"] ?? .null
                out["usage"] = usage ?? .null
            default:
                let error = response?["error"] ?? raw["error"] ?? .null
                failure = error
                out["error"] = error
            }
        case "error":
            name = "error"
            failure = raw
            out["error"] = ["code": raw["code"] ?? .null, "message": raw["message"] ?? .null, "param": raw["param"] ?? .null]
        case "response.output_text.delta":
            let delta = raw["delta"]?.stringValue ?? ""
            fullText += delta
            name = "text_delta"
            out["delta"] = .string(delta)
        case "response.output_text.done":
            name = "text_done"
            out["output_text"] = .string(raw["text"]?.stringValue ?? fullText)
        case "response.output_text.annotation.added":
            name = "text_annotation"
            copy("annotation")
        case "response.reasoning_text.delta":
            reasoning += raw["delta"]?.stringValue ?? ""
            name = "reasoning_delta"
            out["delta"] = .string(raw["delta"]?.stringValue ?? "")
        case "response.reasoning_text.done":
            name = "reasoning_done"
            out["reasoning_text"] = .string(raw["text"]?.stringValue ?? reasoning)
        case "response.reasoning_summary_text.delta":
            reasoningSummary += raw["delta"]?.stringValue ?? ""
            name = "reasoning_summary_delta"
            out["delta"] = .string(raw["delta"]?.stringValue ?? "")
        case "response.reasoning_summary_text.done":
            name = "reasoning_summary_done"
            out["reasoning_summary"] = .string(raw["text"]?.stringValue ?? reasoningSummary)
        case "response.reasoning_summary_part.added", "response.reasoning_summary_part.done":
            name = String(type.dropFirst("response.".count))
            copy("part")
        case "response.function_call_arguments.delta":
            let id = callID()
            let key = id.stringValue ?? "unknown"
            let delta = raw["delta"]?.stringValue ?? ""
            argumentSnapshots[key, default: ""] += delta
            name = "function_call_delta"
            out["call_id"] = id
            out["delta"] = .string(delta)
            out["snapshot"] = .string(argumentSnapshots[key] ?? delta)
        case "response.function_call_arguments.done":
            name = "function_call_done"
            out["call_id"] = callID()
            copy("name")
            copy("arguments")
        case "response.code_interpreter_call.in_progress", "response.code_interpreter_call.interpreting":
            name = String(type.dropFirst("response.".count))
            out["call_id"] = callID()
        case "response.code_interpreter_call_code.delta":
            name = "code_interpreter_code_delta"
            out["call_id"] = callID()
            copy("delta")
        case "response.code_interpreter_call_code.done":
            name = "code_interpreter_code_done"
            out["call_id"] = optionalCallID()
            copy("code")
        case "response.code_interpreter_call.completed":
            // The real event has no output: the call's `outputs` are in the `output_item.done` that follows.
            name = "code_interpreter_completed"
            out["call_id"] = callID()
        case "response.file_search_call.in_progress", "response.file_search_call.searching",
            "response.web_search_call.in_progress", "response.web_search_call.searching",
            "response.image_generation_call.in_progress", "response.image_generation_call.generating",
            "response.mcp_call.in_progress":
            name = type == "response.mcp_call.in_progress" ? "mcp_call_in_progress" : String(type.dropFirst("response.".count))
            out["call_id"] = optionalCallID()
        case "response.file_search_call.completed", "response.web_search_call.completed":
            // The real events have no results: they are in the `output_item.done` that follows.
            name = type.hasPrefix("response.file") ? "file_search_completed" : "web_search_completed"
            out["call_id"] = optionalCallID()
        case "response.custom_tool_call_input.delta":
            name = "custom_tool_delta"
            out["call_id"] = optionalCallID()
            copy("delta")
        case "response.custom_tool_call_input.done":
            name = "custom_tool_done"
            out["call_id"] = optionalCallID()
            copy("input")
        case "response.image_generation_call.partial_image":
            // The real API's keys (`item_id`, `partial_image_b64`), not the reference app's (`call_id`, `image_data`).
            name = "image_gen_partial"
            out["call_id"] = optionalCallID()
            out["image_data"] = raw["partial_image_b64"]
            copy("partial_image_index")
        case "response.image_generation_call.completed":
            // The real event carries no image: the final one is the `result` of the call's
            // `output_item.done`, which follows (the frame `output_item.done {item}`).
            name = "image_gen_completed"
            out["call_id"] = optionalCallID()
        case "response.audio.delta":
            audio += raw["delta"]?.stringValue ?? ""
            name = "audio_delta"
            out["delta"] = .string(raw["delta"]?.stringValue ?? "")
        case "response.audio.done":
            name = "audio_done"
            out["audio"] = .string(audio)
        case "response.audio.transcript.delta":
            audioTranscript += raw["delta"]?.stringValue ?? ""
            name = "audio_transcript_delta"
            out["delta"] = .string(raw["delta"]?.stringValue ?? "")
        case "response.audio.transcript.done":
            name = "audio_transcript_done"
            out["transcript"] = .string(audioTranscript)
        case "response.mcp_call_arguments.delta":
            name = "mcp_call_delta"
            out["call_id"] = optionalCallID()
            copy("delta")
        case "response.mcp_call_arguments.done":
            name = "mcp_call_done"
            out["call_id"] = optionalCallID()
            copy("arguments")
        case "response.mcp_call.completed", "response.mcp_call.failed":
            // The real events carry neither output nor error: both are in the `mcp_call` item of the
            // `output_item.done` that follows.
            name = type == "response.mcp_call.completed" ? "mcp_call_completed" : "mcp_call_failed"
            out["call_id"] = optionalCallID()
        case "response.mcp_list_tools.in_progress", "response.mcp_list_tools.completed", "response.mcp_list_tools.failed":
            // The tools (or the error) are in the `mcp_list_tools` item of the `output_item.done` that follows.
            name = String(type.dropFirst("response.".count))
            out["call_id"] = optionalCallID()
        case "response.refusal.delta":
            refusal += raw["delta"]?.stringValue ?? ""
            name = "refusal_delta"
            out["delta"] = .string(raw["delta"]?.stringValue ?? "")
        case "response.refusal.done":
            name = "refusal_done"
            out["refusal"] = .string(raw["refusal"]?.stringValue ?? refusal)
        case "response.output_item.added", "response.output_item.done", "response.content_part.added", "response.content_part.done":
            name = String(type.dropFirst("response.".count))
            copy("item")
            copy("part")
        case "response.computer_use_call.in_progress":
            name = "computer_use_call.in_progress"
            out["call_id"] = callID()
        case "response.computer_use_call.action.delta":
            name = "computer_use_action_delta"
            out["call_id"] = callID()
            out["action"] = raw["delta"]
        case "response.computer_use_call.action.done":
            name = "computer_use_action_done"
            out["call_id"] = callID()
            copy("action")
        case "response.computer_use_call_output_item.added":
            name = "computer_use_output_item_added"
            out["call_id"] = callID()
            copy("output_index")
        case "response.computer_use_call_output_item.done":
            name = "computer_use_output_item_done"
            out["call_id"] = callID()
            copy("output")
        case "response.computer_use_call.completed":
            name = "computer_use_completed"
            out["call_id"] = callID()
            copy("output")
        default:
            // An event type this code does not know reaches the client unchanged, under its own name.
            return RelayFrame(event: type, payload: raw, sequence: sequence)
        }
        out["sequence"] = .int(Int64(sequence))
        if type.hasPrefix("response.output_text.") {
            copy("logprobs")
            copy("content_index")
            copy("item_id")
            copy("output_index")
        }
        return RelayFrame(event: name, payload: .object(out), sequence: sequence)
    }

    /// Milliseconds since the stream started.
    public var latencyMilliseconds: Int {
        let elapsed = ContinuousClock.now - startTime
        return Int(elapsed.seconds * 1000)
    }

    /// The terminal `error` frame the gateway adds on a failure: the JSON error body, numbered after the last event.
    public func errorFrame(_ error: GatewayError, path: String, requestID: String?) -> RelayFrame {
        var body = error.body(path: path, requestID: requestID).objectValue ?? JSONObject()
        body["sequence"] = .int(Int64(nextSequence))
        return RelayFrame(event: "error", payload: .object(body), sequence: nextSequence, isUpstreamEvent: false)
    }
}
