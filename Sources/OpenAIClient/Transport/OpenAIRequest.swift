import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One call to the upstream API, relative to the configured base URL.
public struct OpenAIRequest: Sendable {
    public enum Body: Sendable {
        case none
        case json(JSONValue)
        /// Bytes already in memory; replayable, so retried like JSON.
        case bytes(ByteBuffer, contentType: String)
        /// A body streamed as it arrives (an upload). It cannot be replayed, so a request with it is
        /// never retried. Make it with ``stream(chunks:length:contentType:)``: `sent` tells the transport
        /// when the whole body has been handed over, so the response head is timed from then (an event that
        /// never happens would leave the head untimed).
        case stream(HTTPClientRequest.Body, contentType: String, sent: OnceEvent)

        /// A streamed upload of `chunks`, with the signal that times its response head from its end.
        public static func stream<Chunks: AsyncSequence & Sendable>(
            chunks: Chunks,
            length: HTTPClientRequest.Body.Length,
            contentType: String
        ) -> Body where Chunks.Element == ByteBuffer {
            let sent = OnceEvent()
            return .stream(.stream(SignallingChunks(base: chunks, sent: sent), length: length), contentType: contentType, sent: sent)
        }

        /// Whether the body can be sent again on a retry.
        public var isReplayable: Bool {
            if case .stream = self { return false }
            return true
        }
    }

    public var method: HTTPMethod
    /// Where the request goes, after the base URL, built from segments (ids are always encoded).
    public var path: OpenAIPath
    public var query: [(name: String, value: String)]
    /// A query string sent exactly as given (a forwarded request's), instead of `query`.
    public var rawQuery: String?
    public var headers: HTTPHeaders
    public var body: Body
    /// A short label for logs, e.g. `GET /files/{id}` (the template: no caller-supplied values).
    public var endpoint: String { "\(method.rawValue) \(path.template)" }

    public init(method: HTTPMethod, path: OpenAIPath, query: [(name: String, value: String)] = [], headers: HTTPHeaders = [:], body: Body = .none) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    func url(baseURL: String) -> String {
        var url = baseURL + path.encoded
        if let rawQuery, !rawQuery.isEmpty {
            url += "?" + rawQuery
        } else if !query.isEmpty {
            url +=
                "?"
                + query.map { "\(PercentEncoding.encode($0.name, .queryComponent))=\(PercentEncoding.encode($0.value, .queryComponent))" }
                .joined(separator: "&")
        }
        return url
    }
}

/// The chunks of a streamed body, signalling `sent` when they end (whole, or in failure: there will be
/// no more of them), so the transport can time the response head from then.
struct SignallingChunks<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let sent: OnceEvent

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let sent: OnceEvent

        mutating func next() async throws -> ByteBuffer? {
            do {
                guard let chunk = try await base.next() else {
                    sent.signal()
                    return nil
                }
                return chunk
            } catch {
                sent.signal()
                throw error
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), sent: sent) }
}

/// An upstream path built from segments: the encoded path that is sent, and the template that is
/// logged (`/files/{id}/content`), both from the same segments, so a call's success and failure
/// carry the same label and no caller-supplied id can change the path.
///
/// ```swift
/// let path: OpenAIPath = ["files", .id(fileID), "content"]
/// path.encoded   // "/files/file-abc/content"
/// path.template  // "/files/{id}/content"
/// ```
public struct OpenAIPath: Sendable, Hashable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public enum Segment: Sendable, Hashable, ExpressibleByStringLiteral {
        /// A fixed segment, sent as written.
        case literal(String)
        /// A caller-supplied value: percent-encoded when sent, `{name}` in the template.
        case parameter(name: String, value: String)

        public init(stringLiteral value: String) { self = .literal(value) }

        /// A caller-supplied id, `{id}` in the template.
        public static func id(_ value: String) -> Segment { .parameter(name: "id", value: value) }
    }

    /// The path as sent, starting with `/`.
    public let encoded: String
    /// The path with `{name}` for every parameter, starting with `/`.
    public let template: String

    public init(_ segments: [Segment]) {
        var encoded = ""
        var template = ""
        for segment in segments {
            switch segment {
            case .literal(let text):
                encoded += "/" + text
                template += "/" + text
            case .parameter(let name, let value):
                encoded += "/" + PercentEncoding.encode(value, .pathSegment)
                template += "/{" + name + "}"
            }
        }
        self.encoded = encoded
        self.template = template
    }

    /// A path whose encoded form and template are already known (a forwarded request).
    public init(encoded: String, template: String) {
        self.encoded = encoded
        self.template = template
    }

    public init(arrayLiteral segments: Segment...) { self.init(segments) }

    public var description: String { template }
}

/// What the upstream said about a call, besides its body.
public struct OpenAIResponseMetadata: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    /// The upstream `x-request-id`.
    public var requestID: String?
    /// Attempts made, 1 when the first one succeeded.
    public var attempts: Int
    public var rateLimit: RateLimitInfo
    public var endpoint: String

    public init(status: Int, headers: HTTPHeaders, attempts: Int, endpoint: String) {
        self.status = status
        self.headers = headers
        self.requestID = headers.first(name: "x-request-id")
        self.attempts = attempts
        self.rateLimit = RateLimitInfo(header: { headers.first(name: $0) })
        self.endpoint = endpoint
    }
}

/// A collected upstream response.
public struct OpenAIResponse: Sendable {
    public var metadata: OpenAIResponseMetadata
    /// The body exactly as the upstream sent it.
    public var body: ByteBuffer

    public init(metadata: OpenAIResponseMetadata, body: ByteBuffer) {
        self.metadata = metadata
        self.body = body
    }

    /// The body parsed as JSON.
    public func json() throws(OpenAIError) -> JSONValue {
        do {
            return try JSONValue(parsing: body)
        } catch {
            throw OpenAIError(
                kind: .invalidResponse,
                status: metadata.status,
                message: "The upstream sent a body that is not JSON (\(error.description))",
                requestID: metadata.requestID,
                attempts: metadata.attempts
            )
        }
    }
}
