import Foundation
import NIOConcurrencyHelpers

/// Finds the access key of a presented secret, from a short-lived in-memory cache in front of the
/// store, so a request with a known key costs one SHA-256 and one dictionary lookup.
///
/// An entry is trusted for `KEY_CACHE_MS` (a key revoked by the CLI or another replica stops working
/// within it; this replica's admin API drops the cache at once). Unknown secrets are cached too, so a
/// flood of wrong keys does not reach the store; the cache is bounded. When the store cannot be read, a
/// key seen before keeps working (availability over a stale revocation), an unseen one is refused.
final class AccessKeys: Sendable {
    let keyStore: KeyStore
    private let ttl: Duration
    private let maxEntries: Int

    private struct Entry {
        var key: AccessKey?
        var fetched: ContinuousClock.Instant
    }

    private let cache = NIOLockedValueBox<[String: Entry]>([:])

    init(keyStore: KeyStore, ttl: Duration, maxEntries: Int = 10_000) {
        self.keyStore = keyStore
        self.ttl = ttl
        self.maxEntries = maxEntries
    }

    enum Lookup {
        case key(AccessKey)
        /// Unknown, revoked or expired: the caller is not told which.
        case invalid
        /// The store could not be read and the key was never seen.
        case unavailable
    }

    func lookup(secret: String, now: Date = Date()) async -> Lookup {
        let hash = Secret.hash(secret)
        let cached = cache.withLockedValue { $0[hash] }
        if let cached, ContinuousClock.now - cached.fetched < ttl {
            return Self.verdict(cached.key, now: now)
        }
        do {
            let key = try await keyStore.key(secretHash: hash)
            cache.withLockedValue { cache in
                if cache.count >= maxEntries { cache = cache.filter { $0.value.key != nil } }
                if cache.count < maxEntries { cache[hash] = Entry(key: key, fetched: .now) }
            }
            return Self.verdict(key, now: now)
        } catch {
            if let cached { return Self.verdict(cached.key, now: now) }
            return .unavailable
        }
    }

    /// Forget everything read (after a change through this replica's admin API).
    func invalidate() {
        cache.withLockedValue { $0.removeAll() }
    }

    private static func verdict(_ key: AccessKey?, now: Date) -> Lookup {
        guard let key, key.isActive(at: now) else { return .invalid }
        return .key(key)
    }
}
