import Foundation
import OpenAIClient

/// Whether a call's token usage is billed by this call or only reported for reference.
///
/// Only the call that generated tokens is billed: a retrieve, a resume or a cancel may carry the
/// original usage, but summing `cost_usd` over a log must count each generation once.
public enum UsageRole: Sendable, Hashable {
    case billed
    case reference
    /// Priced, but only as an estimate of a charge billed by a later call (a video job's price when it is
    /// created; the poll that sees it complete bills it): `cost_note` says `estimate`.
    case estimate
}

/// What a call is billed by, besides (or instead of) tokens; priced by ``Metering``.
public enum BillableUnits: Sendable, Hashable {
    /// Nothing but tokens, if any.
    case none
    /// Speech generated from this many characters of input.
    case speechCharacters(Int)
    /// Audio transcribed or translated: its duration when known, and where the duration came from
    /// (`upstream` or `upload_header`).
    case audioSeconds(Double?, source: String?)
    /// Images generated, by size and quality.
    case images([ImageUnit])
    /// Seconds of video generated, at a size.
    case videoSeconds(Double, size: String?)
    /// An endpoint OpenAI does not charge for (moderations).
    case free

    public struct ImageUnit: Sendable, Hashable {
        public var size: String?
        public var quality: String?
        public var count: Int

        public init(size: String?, quality: String?, count: Int) {
            self.size = size
            self.quality = quality
            self.count = count
        }
    }
}

/// How a call ended, as far as the client is concerned.
public enum StreamOutcome: String, Sendable, Hashable {
    /// Everything was sent.
    case completed
    /// The gateway or the upstream reported a failure (an error body, or an `error` frame).
    case failed
    /// The upstream said the response is incomplete (`response.incomplete`).
    case incomplete
    /// The client went away before the end.
    case clientCancelled = "client_cancelled"
    /// The upstream connection broke, or closed before the end.
    case upstreamDropped = "upstream_dropped"
    /// The gateway cut the response part way because the client read nothing of it for the client write
    /// timeout (`bytes_out` says how much was sent; error `client_write_timeout`).
    case truncated
}

/// The stream part of a call: events seen, how it ended, when the first event arrived.
public struct StreamRecord: Sendable, Hashable {
    public var outcome: StreamOutcome
    public var events: Int
    public var frames: Int
    public var lastSequence: Int?
    public var firstEventMs: Double?

    public init(outcome: StreamOutcome, events: Int, frames: Int, lastSequence: Int? = nil, firstEventMs: Double? = nil) {
        self.outcome = outcome
        self.events = events
        self.frames = frames
        self.lastSequence = lastSequence
        self.firstEventMs = firstEventMs
    }
}

/// Everything the gateway knows about one request once it has ended: opened by the call pipeline's
/// middleware, annotated by the handler, finished by the middleware when the response body has been
/// written, has failed, or the client went away; then priced by ``Metering`` and handed to every
/// ``CallRecordSink``.
public struct CallRecord: Sendable {
    public var requestID: String
    public var method: String
    /// The matched route template (`/api/files/{id}`), nil when no route matched.
    public var route: String?
    /// The request path as received (logged only when no route matched).
    public var path: String
    /// The log file of the call, from its route (``GatewayAPI``).
    public var api: String
    /// The upstream call as a template (`GET /v1/files/{id}/content`).
    public var endpoint: String?
    public var status: Int?
    public var attempts: Int?
    public var latencyMs: Double = 0
    /// Time until the first byte of the response body was written.
    public var firstByteMs: Double?
    /// Request body bytes received.
    public var bytesIn: Int?
    /// Response body bytes written to the client.
    public var bytesOut: Int = 0
    public var upstreamRequestID: String?
    /// The primary object of the answer (`resp_…`, `file-…`, `vs_…`, `video_…`).
    public var objectID: String?
    public var model: String?
    public var usage: TokenUsage?
    /// `usage` was counted by the gateway (a stream the client cancelled before the upstream reported
    /// usage: input estimated from the request, output from the deltas), not reported by the upstream.
    public var usageEstimated = false
    public var usageRole: UsageRole = .reference
    public var units: BillableUnits = .none
    /// USD, from ``Metering``; nil when the call could not be priced (see `costNote`).
    public var cost: Double?
    /// Why `cost` is nil (or zero), when it is.
    public var costNote: String?
    /// How the response ended for the client.
    public var outcome: StreamOutcome = .completed
    public var stream: StreamRecord?
    public var error: ErrorSummary?
    /// API-specific members (file name, purpose, voice, ...), logged after the common ones.
    public var extra: JSONObject = [:]
    /// The access key that made the request (nil with `GATEWAY_AUTH=none`).
    public var key: AccessIdentity?
    /// What the request holds against its key's limits (a budget reservation, a stream slot, its
    /// token estimate), released and settled when the record is finished.
    public var quota: QuotaTicket?
    /// 0 for the request's own record; 1, 2, … for the separate entries it made (an upload logged to
    /// `files.log` on the way to a vector store file). With `requestID` it identifies a ledger row.
    public var entry = 0

    public init(requestID: String, method: String, path: String) {
        self.requestID = requestID
        self.method = method
        self.path = path
        self.api = GatewayAPI.fallback
    }
}
