import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import OpenAIClient

extension GatewayError {
    /// Maps anything thrown below the call pipeline to the gateway's error. Unknown errors become a
    /// plain 500 with no internals (their type is logged).
    init(_ error: any Error, request: Request, logger: Logger) {
        switch error {
        case let error as GatewayError:
            self = error
        case let error as OpenAIError:
            self.init(upstream: error)
        case is NIOTooManyBytesError:
            self = .bodyTooLarge(limit: nil)
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                self.init(code: "route_not_found", message: "Cannot \(request.method.rawValue) \(request.uri.path)")
            case .methodNotAllowed:
                self.init(code: "method_not_allowed", message: "Cannot \(request.method.rawValue) \(request.uri.path)")
            case .contentTooLarge:
                self = .bodyTooLarge(limit: nil)
            default:
                self.init(status: error.status, message: error.body ?? error.status.reasonPhrase, errorCode: "http_error")
            }
        case is CancellationError, is ChannelError, is IOError:
            // The client went away (its connection closed while its request was being read).
            self.init(code: "request_cancelled")
        case is HTTPParserError:
            self.init(code: "invalid_body", parameter: "body")
        default:
            logger.error("Unhandled error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            self.init(code: "internal_error")
        }
    }

    /// 413 for a request body over the configured limit.
    static func bodyTooLarge(limit: Int?) -> GatewayError {
        let size = limit.map { " of \($0) bytes" } ?? ""
        return GatewayError(code: "payload_too_large", message: "Request body is larger than the limit\(size)", parameter: "body")
    }

    /// 400 for a body that is not JSON.
    static func malformedJSON(_ error: JSONParseError) -> GatewayError {
        GatewayError(code: "invalid_json", message: "Malformed JSON in request body: \(error.description)", parameter: "body")
    }
}

extension Request {
    /// Collects the body up to `limit` bytes, counted as they arrive (a `Content-Length` over it fails at
    /// once): 413 past it. Keeps the inbound stream usable for the next request on the connection.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
    }

    /// Collects a JSON body up to `limit` bytes (counted as they arrive) and parses it.
    ///
    /// This must be `collectBody` (which keeps the original inbound stream behind the collected
    /// buffer), not `body.collect`, so the connection stays usable for the next request after a
    /// relayed stream.
    mutating func decodeJSONBody(limit: Int) async throws -> JSONValue {
        guard let json = try await decodeJSONBodyIfPresent(limit: limit) else {
            throw GatewayError(code: "invalid_json", message: "Request body is empty", parameter: "body")
        }
        return json
    }

    /// ``decodeJSONBody(limit:)`` for routes where the body is optional: nil when it is empty.
    mutating func decodeJSONBodyIfPresent(limit: Int) async throws -> JSONValue? {
        let buffer = try await collectBody(limit: limit)
        if buffer.readableBytes == 0 { return nil }
        do {
            return try JSONValue(parsing: buffer)
        } catch {
            throw GatewayError.malformedJSON(error)
        }
    }

    /// ``decodeJSONBody(limit:)`` for routes whose body is a JSON object: anything else is a 400 whose
    /// hint shows `example`.
    /// - Parameter allowEmpty: an empty body is `{}` (routes whose every field is optional).
    mutating func decodeJSONObjectBody(limit: Int, example: String, allowEmpty: Bool = false) async throws -> JSONObject {
        let json: JSONValue
        if allowEmpty {
            guard let present = try await decodeJSONBodyIfPresent(limit: limit) else { return [:] }
            json = present
        } else {
            json = try await decodeJSONBody(limit: limit)
        }
        guard let object = json.objectValue else {
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: "body",
                    message: "The request body must be a JSON object",
                    hint: "Send e.g. \(example) with Content-Type: application/json (got \(FieldValidator.article(json.typeName)))."
                )
            ])
        }
        return object
    }
}
