import Foundation
import Hummingbird
import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite("Upstream error mapping and hint catalogue")
struct HintCatalogueTests {
    func http(
        _ status: Int,
        code: String? = nil,
        type: String? = nil,
        param: String? = nil,
        message: String = "upstream says no",
        headers: [String: String] = [:],
        retryAfter: Double? = nil,
        attempts: Int = 1
    ) -> OpenAIError {
        OpenAIError(
            kind: .http,
            status: status,
            type: type,
            code: code,
            param: param,
            message: message,
            requestID: "req_123",
            rateLimit: RateLimitInfo(header: { headers[$0] }),
            retryAfter: retryAfter,
            body: ["error": ["message": .string(message), "secret_header": "Bearer sk-should-not-appear"]],
            cause: "Authorization: Bearer sk-cause-secret",
            attempts: attempts
        )
    }

    func body(_ error: GatewayError) -> JSONValue { error.body(path: "/api/responses/text", requestID: "gw_test") }

    @Test func rateLimitWithHeaders() throws {
        let headers = ["x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-tokens": "6m0s"]
        let error = GatewayError(upstream: http(429, code: "rate_limit_exceeded", type: "requests", headers: headers, retryAfter: 20))
        #expect(error.status == .tooManyRequests)
        #expect(error.message == "Rate limit exceeded")
        #expect(error.errorCode == "rate_limit_error")
        #expect(error.hint == "Please wait before making another request. Check rate_limit_info for detailed limits.")
        let json = body(error)
        #expect(json["retry_after_seconds"] == .double(20))
        #expect(json["retry_after_seconds"]?.typeName == "number")
        #expect(json["rate_limit_info"] == ["limit_requests": "500", "remaining_requests": "0", "reset_tokens": "6m0s"])
        #expect(json["request_id"] == "gw_test")
        #expect(json["upstream_request_id"] == "req_123")
        #expect(json["openai_error"] == ["type": "requests", "code": "rate_limit_exceeded", "param": nil, "message": "upstream says no"])
        let serialized = json.jsonString
        #expect(serialized.contains(#""retry_after_seconds":20"#))
    }

    @Test func rateLimitDefaultsRetryAfterAndOmitsEmptyInfo() {
        let json = body(GatewayError(upstream: http(429)))
        #expect(json["retry_after_seconds"]?.doubleValue == 60)
        #expect(json["rate_limit_info"] == nil)
    }

    @Test func insufficientQuotaGetsBillingHintNotRetry() throws {
        let error = GatewayError(upstream: http(429, code: "insufficient_quota", type: "insufficient_quota"))
        #expect(error.status == .tooManyRequests)
        #expect(error.errorCode == "insufficient_quota")
        #expect(try #require(error.hint).contains("billing"))
        #expect(error.retryAfterSeconds == nil)
    }

    @Test func authenticationDoesNotDemandSkPrefix() throws {
        let error = GatewayError(upstream: http(401, code: "invalid_api_key", type: "invalid_request_error"))
        #expect(error.status == .unauthorized)
        #expect(error.errorCode == "authentication_error")
        #expect(error.message == "Authentication failed with OpenAI API")
        let hint = try #require(error.hint)
        #expect(hint.contains("OPENAI_API_KEY"))
        #expect(!hint.contains("sk-"))
    }

    @Test func permissionAndNotFound() throws {
        let forbidden = GatewayError(upstream: http(403))
        #expect(forbidden.status == .forbidden)
        #expect(forbidden.errorCode == "permission_denied_error")
        let notFound = GatewayError(upstream: http(404))
        #expect(notFound.status == .notFound)
        #expect(notFound.errorCode == "not_found_error")
        #expect(notFound.message == "Resource not found")
        let model = GatewayError(upstream: http(404, code: "model_not_found"))
        #expect(try #require(model.hint).contains("model"))
    }

    @Test(arguments: [500, 502, 503])
    func serverErrorsBecome502(_ status: Int) throws {
        let error = GatewayError(upstream: http(status, attempts: 4))
        #expect(error.status == .badGateway)
        #expect(error.errorCode == "server_error")
        #expect(error.message == "OpenAI API server error")
        #expect(try #require(error.hint).contains("4 times"))
        let once = GatewayError(upstream: http(status))
        #expect(once.hint == "This is an issue with OpenAI servers. Retry with exponential backoff.")
    }

    @Test func badRequestGeneric() {
        let error = GatewayError(upstream: http(400, code: "some_new_code", param: "input", message: "bad input"))
        #expect(error.status == .badRequest)
        #expect(error.message == "Invalid request to OpenAI API")
        #expect(error.errorCode == "some_new_code")
        #expect(error.hint == "Check your request parameters. See openai_error for details.")
        let json = body(error)
        #expect(json["parameter"] == "input")
        #expect(json["openai_error"] == ["type": "invalid_request_error", "code": "some_new_code", "param": "input", "message": "bad input"])
    }

    @Test func badRequestWithoutCodeOrParamKeepsNullParameter() throws {
        let error = GatewayError(upstream: http(400))
        #expect(error.errorCode == "invalid_request_error")
        let object = try #require(body(error).objectValue)
        #expect(object.keys.contains("parameter"))
        #expect(object["parameter"] == .null)
    }

    @Test func badRequestCatalogueCodes() throws {
        let context = GatewayError(upstream: http(400, code: "context_length_exceeded", param: "input"))
        #expect(context.status == .badRequest)
        #expect(context.errorCode == "context_length_exceeded")
        #expect(try #require(context.hint).contains("truncation"))
        let unsupported = GatewayError(upstream: http(400, code: "unsupported_parameter", param: "temperature"))
        #expect(unsupported.parameter == "temperature")
        #expect(try #require(unsupported.hint).contains("temperature"))
    }

    @Test func badRequestImageAndVideoTables() {
        let download = GatewayError(upstream: http(400, code: "failed_to_download_image"))
        #expect(download.status == .badGateway)
        #expect(download.errorCode == "failed_to_download_image")
        #expect(download.message == "Failed to download image from URL")
        let notFound = GatewayError(upstream: http(400, code: "image_file_not_found"))
        #expect(notFound.status == .notFound)
        let expired = GatewayError(upstream: http(400, code: "video_expired"))
        #expect(expired.status.code == 410)
        #expect(expired.message == "Video file has expired")
        // Only a 400 consults the tables: a 404 carrying a video code is a plain 404.
        let plain = GatewayError(upstream: http(404, code: "video_file_not_found"))
        #expect(plain.errorCode == "not_found_error")
        #expect(HintCatalogue.imageCodes.count == 15)
        #expect(HintCatalogue.videoCodes.count == 18)
    }

    @Test(arguments: [409, 422, 408])
    func otherClientErrorsKeepStatusAndMessage(_ status: Int) {
        let error = GatewayError(upstream: http(status, message: "conflict here"))
        #expect(error.status.code == status)
        #expect(error.errorCode == "api_error")
        #expect(error.message == "conflict here")
    }

    @Test(arguments: [
        (OpenAIError.Kind.connectionRefused, 503, "ECONNREFUSED", "Cannot connect to OpenAI API"),
        (.timeout, 504, "timeout_error", "Request to OpenAI API timed out"),
        (.connectionReset, 504, "ECONNRESET", "Connection to OpenAI API was reset"),
        (.dnsFailure, 503, "ENOTFOUND", "Cannot resolve OpenAI API hostname"),
        (.hostUnreachable, 503, "EHOSTUNREACH", "OpenAI API host unreachable"),
        (.network, 503, "network_error", "Network error communicating with OpenAI"),
        (.invalidResponse, 502, "bad_upstream_response", "Invalid response from OpenAI API"),
        (.responseTooLarge, 502, "upstream_response_too_large", "Response from OpenAI API is too large"),
    ])
    func networkKinds(_ kind: OpenAIError.Kind, _ status: Int, _ code: String, _ message: String) throws {
        let error = GatewayError(
            upstream: OpenAIError(kind: kind, message: "socket says no", cause: "Authorization: Bearer sk-secret")
        )
        #expect(error.status.code == status)
        #expect(error.errorCode == code)
        #expect(error.message == message)
        #expect(error.requestID == nil)
        #expect(error.openAIError == nil)
        #expect(error.hint?.isEmpty == false)
        #expect(!body(error).jsonString.contains("sk-secret"))
    }

    @Test func streamKind() {
        let error = GatewayError(
            upstream: OpenAIError(kind: .stream, code: "server_error", message: "The model crashed", requestID: "req_9")
        )
        #expect(error.status == .badGateway)
        #expect(error.errorCode == "stream_error")
        #expect(error.message == "The model crashed")
        #expect(error.requestID == "req_9")
        #expect(error.openAIError?["code"] == "server_error")
        let bare = GatewayError(upstream: OpenAIError(kind: .stream, message: "cut off"))
        #expect(bare.openAIError == nil)
    }

    @Test func neverEchoesUpstreamBodyOrCause() {
        for status in [400, 401, 404, 429, 500] {
            let rendered = body(GatewayError(upstream: http(status))).jsonString
            #expect(!rendered.contains("sk-"))
            #expect(!rendered.contains("secret_header"))
        }
    }

    @Test func renderedBodyHasSeedShape() throws {
        let json = body(GatewayError(upstream: http(404)))
        let keys = try #require(json.objectValue?.keys)
        #expect(Array(keys.prefix(6)) == ["statusCode", "timestamp", "path", "message", "error_code", "parameter"])
        #expect(json["statusCode"] == 404)
        #expect(json["path"] == "/api/responses/text")
    }

    @Test func catalogueTablesLoadAndLookUp() {
        // Touching every table proves no dictionary literal has a duplicate key (that would trap).
        let tables = [
            HintCatalogue.openAICodes, HintCatalogue.imageCodes, HintCatalogue.videoCodes, HintCatalogue.fileCodes,
            HintCatalogue.vectorStoreCodes, HintCatalogue.imagesAPICodes, HintCatalogue.audioCodes, HintCatalogue.codeInterpreterCodes,
        ]
        #expect(tables.allSatisfy { !$0.isEmpty })
        #expect(tables.flatMap(\.values).allSatisfy { (400...599).contains($0.status) && !$0.hint.isEmpty })
        #expect(HintCatalogue.entry(for: "file_too_large")?.status == 413)
        #expect(HintCatalogue.entry(for: "container_expired")?.status == 410)
        #expect(HintCatalogue.entry(for: "constructor") == nil)
    }
}
