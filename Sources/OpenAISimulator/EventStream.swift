import Hummingbird
import NIOCore
import OpenAIClient

/// Where the events of one SSE answer come from.
enum EventSource: Sendable {
    /// A foreground stream: the plan is played here, paced, and recorded under `storeID` when stored.
    case plan(EventPlan, storeID: String?, delay: Duration)
    /// Stored events, then live ones from a background run (a background create or a resume).
    case stored(replay: [JSONValue], live: AsyncStream<JSONValue>?)
    /// Ready-made SSE frames (a Chat Completions stream and its `[DONE]`), paced by `delay`.
    case frames([ByteBuffer], delay: Duration)
}

/// Thrown to cut a stream as `drop_after_events` asks: Hummingbird closes the connection mid-body.
struct SimulatedDrop: Error {}

enum EventStream {
    /// An SSE answer that watches its client: when the client goes away the writing task is
    /// cancelled at once and the stream is counted as a client disconnect.
    static func response(
        request: Request,
        source: EventSource,
        state: SimulatorState,
        dropAfterEvents: Int?
    ) -> Response {
        Response(
            status: .ok,
            headers: SimulatorHTTP.eventStreamHeaders,
            body: ResponseBody { writer in
                state.streamOpened()
                var outcome = SimulatorState.StreamOutcome.clientDisconnected
                defer { state.streamClosed(outcome) }
                do {
                    // Only the request's inbound stream tells promptly that the client left;
                    // the body was read with the non-editing `collect(upTo:)`, so this is allowed.
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        var counter = DropCounter(limit: dropAfterEvents)
                        try await write(source, to: &writer, counter: &counter, state: state)
                    }
                    outcome = .completed
                } catch is SimulatedDrop {
                    outcome = .dropped
                    throw SimulatedDrop()
                }
                try await writer.finish(nil)
            }
        )
    }

    private struct DropCounter {
        let limit: Int?
        var written = 0

        mutating func write(_ event: JSONValue, to writer: inout any ResponseBodyWriter) async throws {
            try await write(frame: SimulatorHTTP.frame(event), to: &writer)
        }

        mutating func write(frame: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
            if let limit, written >= limit { throw SimulatedDrop() }
            try await writer.write(frame)
            written += 1
        }
    }

    private static func write(
        _ source: EventSource,
        to writer: inout any ResponseBodyWriter,
        counter: inout DropCounter,
        state: SimulatorState
    ) async throws {
        switch source {
        case .stored(let replay, let live):
            for event in replay { try await counter.write(event, to: &writer) }
            if let live {
                for await event in live {
                    try Task.checkCancellation()
                    try await counter.write(event, to: &writer)
                }
                try Task.checkCancellation()
            }
        case .frames(let frames, let delay):
            for (index, frame) in frames.enumerated() {
                if index > 0, delay > .zero { try await Task.sleep(for: delay) }
                try await counter.write(frame: frame, to: &writer)
            }
        case .plan(let plan, let storeID, let delay):
            var last: JSONValue = .null
            do {
                for (index, planned) in plan.events.enumerated() {
                    if index > 0, delay > .zero { try await Task.sleep(for: delay) }
                    let event = planned.payload(sequenceNumber: index)
                    try await counter.write(event, to: &writer)
                    if let storeID {
                        state.append(id: storeID, event: event, snapshot: planned.snapshot, finishes: index == plan.events.count - 1)
                    }
                    if let snapshot = planned.snapshot { last = snapshot }
                }
            } catch {
                // A cut stream leaves the stored response in a final state instead of running forever.
                if let storeID, case .object(var object) = last {
                    object["status"] = error is SimulatedDrop ? "failed" : "cancelled"
                    if error is SimulatedDrop {
                        object["error"] = ["code": "server_error", "message": "The stream was interrupted (simulated fault)."]
                    }
                    state.finish(id: storeID, snapshot: .object(object))
                }
                throw error
            }
        }
    }
}
