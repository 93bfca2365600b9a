import Foundation

/// When and how long to wait before trying an upstream request again.
///
/// Retries 408, 409, 429, 5xx and connection failures with exponential backoff and jitter:
/// the n-th retry (n from 0) waits `min(maxDelay, baseDelay · 2ⁿ)` less up to 25 % jitter.
/// A `retry-after-ms` or `retry-after` the upstream sent wins when it is between 0 and 60 s,
/// and `x-should-retry: true|false` overrides the status rule.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (so attempts = maxRetries + 1).
    public var maxRetries: Int
    /// Delay before the first retry.
    public var baseDelay: Duration
    /// Ceiling of the exponential delay.
    public var maxDelay: Duration
    /// Fraction of the delay taken off at random (0 ... 1).
    public var jitter: Double
    /// The longest upstream `retry-after` that is honoured.
    public static let maxRetryAfter: Double = 60

    public init(maxRetries: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8), jitter: Double = 0.25) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
    }

    /// Statuses worth another try.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || status >= 500
    }

    /// Whether a failed attempt should be retried.
    /// - Parameters:
    ///   - error: the failure of the attempt.
    ///   - retriesSoFar: how many retries were already made.
    ///   - shouldRetryHeader: the upstream's `x-should-retry` header, if any.
    public func shouldRetry(_ error: OpenAIError, retriesSoFar: Int, shouldRetryHeader: String? = nil) -> Bool {
        guard retriesSoFar < maxRetries else { return false }
        switch shouldRetryHeader?.lowercased() {
        case "true": return true
        case "false": return false
        default: break
        }
        if error.kind == .http, let status = error.status { return Self.isRetryable(status: status) }
        return error.kind.isConnectionFailure
    }

    /// The wait before retry number `retriesSoFar` (0 for the first retry).
    /// - Parameter random: a value in 0..<1 (injected so tests are exact).
    public func delay(retriesSoFar: Int, retryAfter: Double?, random: Double = Double.random(in: 0..<1)) -> Duration {
        if let retryAfter, retryAfter >= 0, retryAfter <= Self.maxRetryAfter {
            return .milliseconds(Int64((retryAfter * 1000).rounded()))
        }
        let exponent = min(retriesSoFar, 30)
        let base = baseDelay.seconds * pow(2, Double(exponent))
        let capped = min(base, maxDelay.seconds)
        let jittered = capped * (1 - random * jitter)
        return .milliseconds(Int64((jittered * 1000).rounded()))
    }

    /// Reads `retry-after-ms` (milliseconds), then `retry-after` (seconds or an HTTP date), as seconds.
    public static func retryAfterSeconds(header: (String) -> String?, now: Date = Date()) -> Double? {
        // Only finite values up to a day are believed: an upstream may send anything.
        let day = 86_400.0
        if let raw = header("retry-after-ms"), let milliseconds = Double(raw.trimmingCharacters(in: .whitespaces)),
            milliseconds.isFinite, milliseconds >= 0, milliseconds / 1000 <= day
        {
            return milliseconds / 1000
        }
        guard let raw = header("retry-after")?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let seconds = Double(raw) { return seconds.isFinite && seconds >= 0 && seconds <= day ? seconds : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: raw) { return max(0, date.timeIntervalSince(now)) }
        return nil
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Whole milliseconds (rounded down).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
