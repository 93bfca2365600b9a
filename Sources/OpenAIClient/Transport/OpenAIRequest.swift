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
        /// never retried.
        case stream(HTTPClientRequest.Body, contentType: String)

        /// Whether the body can be sent again on a retry.
        public var isReplayable: Bool {
            if case .stream = self { return false }
            return true
        }
    }

    public var method: HTTPMethod
    /// Path after the base URL, starting with `/`. Caller-supplied ids must go through ``OpenAIRequest/pathSegment(_:)``.
    public var path: String
    public var query: [(name: String, value: String)]
    public var headers: HTTPHeaders
    public var body: Body
    /// A short label for logs, e.g. `POST /v1/responses`.
    public var endpoint: String { "\(method.rawValue) \(path)" }

    public init(method: HTTPMethod, path: String, query: [(name: String, value: String)] = [], headers: HTTPHeaders = [:], body: Body = .none) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Percent-encodes a caller-supplied value so that it stays one path segment
    /// (`/`, `?`, `#`, `..` and spaces cannot change the upstream path).
    public static func pathSegment(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "."):
                out += "%2E"  // keeps "." and ".." from being path navigation
            default:
                out += "%" + hex(byte)
            }
        }
        return out
    }

    /// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
    public static func queryComponent(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "."):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + hex(byte)
            }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    func url(baseURL: String) -> String {
        var url = baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.queryComponent($0.name))=\(Self.queryComponent($0.value))" }.joined(separator: "&")
        }
        return url
    }
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
