import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import OpenAIClient

/// The call record of one request while it runs. It lives in the request context; handlers annotate
/// it (upstream metadata, model, usage, units, object id, extras) and never write a log line. The call
/// pipeline's middleware finishes it once, when the response body has been written, has failed, or the
/// client went away; a response that is dropped without being written is finished when the recorder
/// goes away, so every request is recorded exactly once.
///
/// `@unchecked Sendable`: all state is behind one lock.
public final class CallRecorder: @unchecked Sendable {
    /// The gateway's request id: `X-Request-Id`, and `request_id` in every log entry of the request.
    public let requestID: String
    let start: ContinuousClock.Instant

    private struct State {
        var record: CallRecord
        var pipeline: CallPipeline?
        /// The upstream JSON answer, read for id, model and usage when the call is finished (off the
        /// response path: the client already has its bytes).
        var answer: ByteBuffer?
        var describe: (@Sendable (JSONValue) -> JSONObject)?
        var firstByte: ContinuousClock.Instant?
        var bodyEnded = false
        var clientWriteFailed = false
        var finished = false
        var separateEntries = 0
    }

    private let state: NIOLockedValueBox<State>

    init(requestID: String, start: ContinuousClock.Instant = .now) {
        self.requestID = requestID
        self.start = start
        self.state = NIOLockedValueBox(State(record: CallRecord(requestID: requestID, method: "", path: "")))
    }

    deinit {
        // A response that was never written (the connection closed before its head): still one entry.
        finish(bodyOutcome: .clientCancelled)
    }

    // MARK: - Annotations (handlers)

    /// Changes the record. Cheap; call it as often as needed.
    public func annotate(_ update: (inout CallRecord) -> Void) {
        state.withLockedValue { update(&$0.record) }
    }

    /// The upstream call's endpoint template, attempts and request id.
    public func upstream(_ metadata: OpenAIResponseMetadata) {
        state.withLockedValue { state in
            state.record.endpoint = metadata.endpoint
            state.record.attempts = metadata.attempts
            state.record.upstreamRequestID = metadata.requestID
        }
    }

    /// The upstream's JSON answer: its `id`, `model` and `usage` are read when the call is finished,
    /// and `describe` adds API-specific members from it.
    /// - Parameter role: whether this call is billed for the usage in the answer.
    public func answer(
        _ body: ByteBuffer,
        role: UsageRole,
        describe: (@Sendable (JSONValue) -> JSONObject)? = nil
    ) {
        state.withLockedValue { state in
            state.answer = body
            state.describe = describe
            state.record.usageRole = role
        }
    }

    /// An upstream call made on the way to this request's answer that is logged as an entry of its
    /// own, in `api`'s log (the upload of `POST /api/vector-stores/{id}/files/upload` goes to
    /// `files.log`): same request id, method and route, the call's status, endpoint and answer.
    /// Finished at once (the request's own entry follows when its response has been written).
    func separateEntry(api: String, route: String?, answer response: OpenAIResponse, _ update: (inout CallRecord) -> Void) {
        let elapsed = elapsedMilliseconds
        let snapshot = state.withLockedValue { state in
            state.separateEntries += 1
            return (state.pipeline, state.record, state.separateEntries)
        }
        guard let pipeline = snapshot.0 else { return }
        var record = CallRecord(requestID: requestID, method: snapshot.1.method, path: snapshot.1.path)
        record.entry = snapshot.2
        record.key = snapshot.1.key
        record.route = route
        record.api = api
        record.status = response.metadata.status
        record.endpoint = response.metadata.endpoint
        record.attempts = response.metadata.attempts
        record.upstreamRequestID = response.metadata.requestID
        record.latencyMs = elapsed
        update(&record)
        pipeline.finish(record, answer: response.body, describe: nil)
    }

    /// One relayed stream event (a debug-level log entry, only when a sink wants events).
    func streamEvent(_ frame: ServerSentEvent) {
        let (pipeline, api) = state.withLockedValue { ($0.pipeline, $0.record.api) }
        guard let pipeline, pipeline.wantsEvents else { return }
        pipeline.event(StreamEventRecord(requestID: requestID, api: api, frame: frame))
    }

    // MARK: - Pipeline

    /// Starts recording the request: from now on it is finished exactly once.
    func attach(_ pipeline: CallPipeline, method: String, path: String, bytesIn: Int?) {
        state.withLockedValue { state in
            state.pipeline = pipeline
            state.record.method = method
            state.record.path = path
            state.record.bytesIn = bytesIn
        }
    }

    /// A failure rendered as an error body: its status, code and message, and the upstream call it came from.
    func failed(_ error: GatewayError) {
        state.withLockedValue { state in
            state.record.outcome = error.errorCode == "request_cancelled" ? .clientCancelled : .failed
            state.record.error = error.summary
            if let endpoint = error.endpoint { state.record.endpoint = endpoint }
            if let attempts = error.attempts { state.record.attempts = attempts }
            if let upstreamID = error.requestID { state.record.upstreamRequestID = upstreamID }
        }
    }

    /// The response head's status and the matched route. Returns the upstream request id for the headers.
    func responded(status: Int, route: String?) -> String? {
        // Hummingbird names an unmatched request's endpoint "NotFound"; a route template starts with "/".
        let route = route?.hasPrefix("/") == true ? route : nil
        return state.withLockedValue { state in
            state.record.status = status
            // A handler may have named a finer template than the router's (`/v1/**` → `/v1/files/{id}`).
            if state.record.route == nil { state.record.route = route }
            state.record.api = GatewayAPI.forRoute(state.record.route)
            return state.record.upstreamRequestID
        }
    }

    /// The gateway closed the connection part way through the response because the client read nothing
    /// for the client write timeout: the outcome is `truncated`, with the bytes sent so far.
    func cutByWriteTimeout() {
        state.withLockedValue { state in
            state.record.outcome = .truncated
            let error = GatewayError(
                code: "client_write_timeout",
                message: "The client read nothing for the client write timeout; the response was cut after \(state.record.bytesOut) bytes"
            )
            state.record.error = error.summary
        }
    }

    func markBodyEnded() { state.withLockedValue { $0.bodyEnded = true } }
    func markClientWriteFailed() { state.withLockedValue { $0.clientWriteFailed = true } }
    var bodyEnded: Bool { state.withLockedValue { $0.bodyEnded } }
    var clientWriteFailed: Bool { state.withLockedValue { $0.clientWriteFailed } }

    /// Response body bytes written to the client.
    func wrote(_ bytes: Int) {
        state.withLockedValue { state in
            if state.firstByte == nil { state.firstByte = .now }
            state.record.bytesOut += bytes
        }
    }

    /// Ends the call: records how the body ended, prices it and hands it to the sinks. Only the first
    /// call has an effect.
    /// - Parameter outcome: how the body ended; a handler's own outcome (a failed stream) is kept.
    func finish(bodyOutcome outcome: StreamOutcome) {
        let now = ContinuousClock.now
        let ended = state.withLockedValue { state -> (CallRecord, CallPipeline, ByteBuffer?, (@Sendable (JSONValue) -> JSONObject)?)? in
            guard !state.finished, let pipeline = state.pipeline else { return nil }
            state.finished = true
            var record = state.record
            record.latencyMs = (now - start).seconds * 1000
            record.firstByteMs = state.firstByte.map { ($0 - start).seconds * 1000 }
            if record.outcome == .completed { record.outcome = outcome }
            return (record, pipeline, state.answer, state.describe)
        }
        guard let (record, pipeline, answer, describe) = ended else { return }
        pipeline.finish(record, answer: answer, describe: describe)
    }

    /// Milliseconds since the request arrived.
    public var elapsedMilliseconds: Double { (ContinuousClock.now - start).seconds * 1000 }
}
