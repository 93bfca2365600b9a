import Foundation
import Testing

@testable import OpenAIClient

@Suite("Retry policy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 3, baseDelay: .milliseconds(500), maxDelay: .seconds(8), jitter: 0.25)

    @Test("retryable statuses and connection failures", arguments: [408, 409, 429, 500, 502, 503, 504])
    func retryable(status: Int) {
        #expect(policy.shouldRetry(OpenAIError(kind: .http, status: status, message: "x"), retriesSoFar: 0))
    }

    @Test("other statuses are not retried", arguments: [400, 401, 403, 404, 422])
    func notRetryable(status: Int) {
        #expect(!policy.shouldRetry(OpenAIError(kind: .http, status: status, message: "x"), retriesSoFar: 0))
    }

    @Test("connection failures are retried; the retry budget is respected")
    func budget() {
        let refused = OpenAIError(kind: .connectionRefused, message: "refused")
        #expect(policy.shouldRetry(refused, retriesSoFar: 2))
        #expect(!policy.shouldRetry(refused, retriesSoFar: 3))
        #expect(!RetryPolicy(maxRetries: 0).shouldRetry(refused, retriesSoFar: 0))
    }

    @Test("x-should-retry overrides the status rule")
    func shouldRetryHeader() {
        let badRequest = OpenAIError(kind: .http, status: 400, message: "x")
        #expect(policy.shouldRetry(badRequest, retriesSoFar: 0, shouldRetryHeader: "true"))
        let serverError = OpenAIError(kind: .http, status: 500, message: "x")
        #expect(!policy.shouldRetry(serverError, retriesSoFar: 0, shouldRetryHeader: "false"))
    }

    @Test("delay = min(max, base·2ⁿ) less up to 25 % jitter")
    func backoff() {
        #expect(policy.delay(retriesSoFar: 0, retryAfter: nil, random: 0) == .milliseconds(500))
        #expect(policy.delay(retriesSoFar: 1, retryAfter: nil, random: 0) == .milliseconds(1000))
        #expect(policy.delay(retriesSoFar: 2, retryAfter: nil, random: 0) == .milliseconds(2000))
        #expect(policy.delay(retriesSoFar: 10, retryAfter: nil, random: 0) == .seconds(8))
        #expect(policy.delay(retriesSoFar: 0, retryAfter: nil, random: 0.999_999) == .milliseconds(375))
    }

    @Test("retry-after wins between 0 and 60 s; beyond that the backoff applies")
    func retryAfter() {
        #expect(policy.delay(retriesSoFar: 0, retryAfter: 2.5, random: 0) == .milliseconds(2500))
        #expect(policy.delay(retriesSoFar: 0, retryAfter: 120, random: 0) == .milliseconds(500))
    }

    @Test("retry-after-ms, retry-after seconds and HTTP dates are read")
    func retryAfterHeaders() {
        #expect(RetryPolicy.retryAfterSeconds(header: { $0 == "retry-after-ms" ? "1500" : nil }) == 1.5)
        #expect(RetryPolicy.retryAfterSeconds(header: { $0 == "retry-after" ? "20" : nil }) == 20)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let date = "Fri, 15 Jan 2027 08:00:10 GMT"
        let parsed = RetryPolicy.retryAfterSeconds(header: { $0 == "retry-after" ? date : nil }, now: now)
        #expect(parsed != nil)
        #expect(RetryPolicy.retryAfterSeconds(header: { _ in nil }) == nil)
        #expect(RetryPolicy.retryAfterSeconds(header: { $0 == "retry-after" ? "soon" : nil }) == nil)
    }

    @Test("path segments are percent-encoded")
    func pathSegments() {
        #expect(PercentEncoding.encode("resp_123", .pathSegment) == "resp_123")
        #expect(PercentEncoding.encode("../files", .pathSegment) == "%2E%2E%2Ffiles")
        #expect(PercentEncoding.encode("a b?c#d", .pathSegment) == "a%20b%3Fc%23d")
        #expect(PercentEncoding.encode("é", .pathSegment) == "%C3%A9")
    }
}
