import OpenAIClient

/// One stream event to emit, before it gets its `sequence_number`.
struct PlannedEvent: Sendable {
    var type: String
    var fields: JSONObject
    /// When set, the stored Response becomes this once the event is emitted.
    var snapshot: JSONValue?
    /// A background lifecycle step: a background run waits `backgroundStepDelay` before it.
    var isStep: Bool = false

    /// The wire object: `type` and `sequence_number` first, as OpenAI orders them.
    func payload(sequenceNumber: Int) -> JSONValue {
        var object: JSONObject = ["type": .string(type), "sequence_number": JSONValue(sequenceNumber)]
        for (key, value) in fields { object[key] = value }
        return .object(object)
    }
}

/// The events of one response, in OpenAI's order, with a fault's changes applied.
struct EventPlan: Sendable {
    var events: [PlannedEvent]
    /// The Response once the last event is out.
    var finalSnapshot: JSONValue

    init(response: SimulatedResponse, fault: SimulatorFault?) {
        var events = Self.normalEvents(response)
        var finalSnapshot = response.finalSnapshot()
        if let injected = fault?.injectEvents, !injected.isEmpty,
            let anchor = events.firstIndex(where: { $0.type == "response.in_progress" })
        {
            let extra = injected.compactMap { value -> PlannedEvent? in
                guard var object = value.objectValue, let type = object["type"]?.stringValue else { return nil }
                object["type"] = nil
                object["sequence_number"] = nil
                return PlannedEvent(type: type, fields: object)
            }
            events.insert(contentsOf: extra, at: anchor + 1)
        }
        if let limit = fault?.failAfterEvents, limit < events.count {
            events.removeSubrange(limit...)
            let partial = events.filter { $0.type == "response.output_text.delta" }.compactMap { $0.fields["delta"]?.stringValue }.joined()
            func emitted(_ type: String, item: String) -> Bool {
                events.contains { $0.type == type && $0.fields["item"]?["type"]?.stringValue == item }
            }
            let imageStatus =
                emitted("response.output_item.done", item: "image_generation_call")
                ? "completed" : emitted("response.output_item.added", item: "image_generation_call") ? "failed" : nil
            var toolStatuses: [String: String] = [:]
            for call in response.toolCalls {
                func callEmitted(_ type: String) -> Bool {
                    events.contains { $0.type == type && $0.fields["item"]?["id"]?.stringValue == call.id }
                }
                if callEmitted("response.output_item.done") {
                    toolStatuses[call.id] = "completed"
                } else if callEmitted("response.output_item.added") {
                    toolStatuses[call.id] = "failed"
                }
            }
            let failed = response.failedSnapshot(
                partialText: emitted("response.output_item.added", item: "message") ? partial : nil,
                imageStatus: imageStatus,
                toolStatuses: toolStatuses
            )
            events.append(PlannedEvent(type: "response.failed", fields: ["response": failed], snapshot: failed))
            finalSnapshot = failed
        }
        self.events = events
        self.finalSnapshot = finalSnapshot
    }

    /// The full wire events with sequence numbers from 0.
    var payloads: [JSONValue] {
        events.enumerated().map { $0.element.payload(sequenceNumber: $0.offset) }
    }

    private static func normalEvents(_ response: SimulatedResponse) -> [PlannedEvent] {
        var events: [PlannedEvent] = []
        if response.request.background {
            let queued = response.snapshot(status: "queued")
            events.append(PlannedEvent(type: "response.created", fields: ["response": queued], snapshot: queued))
            events.append(PlannedEvent(type: "response.queued", fields: ["response": queued], snapshot: queued))
            let running = response.snapshot(status: "in_progress")
            events.append(PlannedEvent(type: "response.in_progress", fields: ["response": running], snapshot: running, isStep: true))
        } else {
            let running = response.snapshot(status: "in_progress")
            events.append(PlannedEvent(type: "response.created", fields: ["response": running], snapshot: running))
            events.append(PlannedEvent(type: "response.in_progress", fields: ["response": running], snapshot: running))
        }
        if let imageCall = response.imageCall { events += imageCall.events(outputIndex: 0) }
        let firstToolIndex = response.imageCall == nil ? 0 : 1
        for (offset, call) in response.toolCalls.enumerated() {
            events += call.events(outputIndex: firstToolIndex + offset)
        }
        if response.answersWithText { events += messageEvents(response) }
        let final = response.finalSnapshot()
        events.append(
            PlannedEvent(
                type: response.truncated ? "response.incomplete" : "response.completed",
                fields: ["response": final],
                snapshot: final,
                isStep: response.request.background
            )
        )
        return events
    }

    /// The message's events, from its `output_item.added` to its `output_item.done`.
    private static func messageEvents(_ response: SimulatedResponse) -> [PlannedEvent] {
        let itemID = JSONValue.string(response.messageID)
        let messageIndex = JSONValue(response.messageOutputIndex)
        let location: JSONObject = ["item_id": itemID, "output_index": messageIndex, "content_index": 0]
        var events: [PlannedEvent] = []
        events.append(
            PlannedEvent(
                type: "response.output_item.added",
                fields: ["output_index": messageIndex, "item": response.message(status: "in_progress", text: nil)]
            )
        )
        events.append(
            PlannedEvent(type: "response.content_part.added", fields: location.withMembers(["part": response.outputText("")]))
        )
        for delta in response.deltas {
            events.append(
                PlannedEvent(
                    type: "response.output_text.delta",
                    fields: location.withMembers(["delta": .string(delta), "logprobs": []])
                )
            )
        }
        let text = response.text
        events.append(
            PlannedEvent(type: "response.output_text.done", fields: location.withMembers(["text": .string(text), "logprobs": []]))
        )
        events.append(
            PlannedEvent(type: "response.content_part.done", fields: location.withMembers(["part": response.outputText(text)]))
        )
        let itemStatus = response.truncated ? "incomplete" : "completed"
        events.append(
            PlannedEvent(
                type: "response.output_item.done",
                fields: ["output_index": messageIndex, "item": response.message(status: itemStatus, text: text)]
            )
        )
        return events
    }
}

extension JSONObject {
    /// This object with the other's members added after its own.
    func withMembers(_ other: JSONObject) -> JSONObject {
        var result = self
        for (key, value) in other { result[key] = value }
        return result
    }
}
