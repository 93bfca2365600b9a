import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process's descriptor limit (`RLIMIT_NOFILE`, `ulimit -n`) leaves for connections.
///
/// The process must never reach the limit: then `accept`, the upstream `connect` and every `open` fail
/// with `EMFILE`, and libdispatch's worker-pool monitor (which opens `/proc/<tid>/stat` once a second
/// while work is queued) stops the process with SIGILL. So the gateway sizes what it opens to fit: client
/// connections served (``maxConnections``; one more gets a fast 503), client sockets accepted at all
/// (``acceptCeiling``: the served ones plus those being answered 503; beyond it accepting pauses until one
/// closes and the kernel holds new connections in the listen backlog), and the two upstream pools
/// (``upstreamConnections``, ``upstreamStreams``), each at most one per served client. What is open at start
/// (SQLite, the event loops, the simulator's listener) and ``headroom`` (log files, the ledger's spill file,
/// the listener, name resolution) stay free.
struct DescriptorBudget: Sendable, Equatable {
    /// The soft limit the gateway runs with (raised to the hard limit at start when it was lower).
    var limit: Int
    /// The soft limit the process was started with.
    var startLimit: Int
    /// Descriptors already open when the budget was made (before the listener and the HTTP clients).
    var inUse: Int
    /// The configured values: `MAX_CONNECTIONS`, `UPSTREAM_MAX_CONNECTIONS`, `UPSTREAM_MAX_STREAMS`.
    var configuredConnections: Int
    var configuredUpstream: Int
    var configuredStreams: Int
    /// Client connections served at once.
    var maxConnections: Int
    /// Client sockets accepted at once; beyond it accepting pauses until one closes.
    var acceptCeiling: Int
    /// The short calls' upstream pool (and its slots).
    var upstreamConnections: Int
    /// The streams' upstream pool.
    var upstreamStreams: Int

    /// Kept free beside what is open at start: the listener, one log file per API,
    /// the ledger's spill file, SQLite's journal and temporary files, name resolution,
    /// upload spooling; with PostgreSQL, its pool too (opened lazily, after the count).
    var headroom: Int

    static func headroom(postgres: Bool) -> Int {
        12 + InteractionLogWriter.knownAPIs.count + (postgres ? PostgresStore.maximumConnections : 0)
    }

    /// - Parameters:
    ///   - descriptorsPerUpstream: descriptors one upstream connection takes in this process (2 when the
    ///     simulator runs in it too and holds the other end).
    init(
        limit: Int,
        startLimit: Int,
        inUse: Int,
        maxConnections: Int,
        upstreamConnections: Int,
        upstreamStreams: Int,
        descriptorsPerUpstream: Int,
        headroom: Int = DescriptorBudget.headroom(postgres: false)
    ) {
        self.headroom = headroom
        self.limit = limit
        self.startLimit = startLimit
        self.inUse = inUse
        configuredConnections = maxConnections
        configuredUpstream = upstreamConnections
        configuredStreams = upstreamStreams
        let spare = max(limit - inUse - headroom, 4)
        // An eighth of the spare descriptors for sockets over the cap while they get their 503, and at least
        // the 4 the listener may accept in one go (``AcceptCeiling`` stops that early), so the sockets one more
        // than the served ones are always accepted and answered.
        let refusals = max(spare / 8, 4)
        let room = spare - refusals
        let perUpstream = max(descriptorsPerUpstream, 1)
        let configuredNeed = maxConnections + perUpstream * (upstreamConnections + upstreamStreams)
        if configuredNeed <= room {
            // Everything configured fits; the sockets over the cap may use what is left.
            self.maxConnections = maxConnections
            self.upstreamConnections = upstreamConnections
            self.upstreamStreams = upstreamStreams
            acceptCeiling = maxConnections + (room - configuredNeed) + refusals
            return
        }
        // Otherwise each pool gets at most one connection per served client (a request uses one at a time),
        // and the served clients are as many as then fit: `needed` only grows, so a binary search.
        func needed(_ clients: Int) -> Int {
            clients + perUpstream * (min(upstreamConnections, clients) + min(upstreamStreams, clients))
        }
        var low = 1
        var high = max(maxConnections, 1)
        while low < high {
            let middle = low + (high - low + 1) / 2
            if needed(middle) <= room { low = middle } else { high = middle - 1 }
        }
        self.maxConnections = low
        self.upstreamConnections = max(min(upstreamConnections, low), 1)
        self.upstreamStreams = max(min(upstreamStreams, low), 1)
        acceptCeiling = low + max(room - needed(low), 0) + refusals
    }

    /// True when the limit, not the configuration, sets a number.
    var limitsConnections: Bool {
        maxConnections < configuredConnections || upstreamConnections < configuredUpstream || upstreamStreams < configuredStreams
    }

    /// Raises the soft limit to the hard one, counts the open descriptors and makes the budget for `configuration`.
    static func make(configuration: GatewayConfiguration) async -> DescriptorBudget {
        let (start, limit) = DescriptorLimit.raiseSoftLimit()
        let inUse = (try? await NIOThreadPool.singleton.runIfActive { DescriptorLimit.openDescriptors() }) ?? nil
        return DescriptorBudget(
            limit: limit,
            startLimit: start,
            inUse: inUse ?? 16,
            maxConnections: configuration.maxConnections,
            upstreamConnections: configuration.upstreamMaxConnections,
            upstreamStreams: configuration.upstreamMaxStreams,
            descriptorsPerUpstream: configuration.useSimulator ? 2 : 1,
            headroom: headroom(postgres: configuration.databaseURL != nil)
        )
    }

    /// The start-up line: the limit and what it allows (a warning when the limit lowered a setting).
    func log(to logger: Logger) {
        let raised = startLimit < limit ? " (soft limit raised from \(startLimit))" : ""
        func value(_ effective: Int, _ configured: Int, _ key: String) -> String {
            effective < configured ? "\(effective) (\(key) \(configured) does not fit)" : "\(effective)"
        }
        let line =
            "Descriptors: limit \(limit)\(raised), \(inUse) open at start; client connections served at once "
            + value(maxConnections, configuredConnections, "MAX_CONNECTIONS") + ", accepted at once \(acceptCeiling); upstream connections "
            + value(upstreamConnections, configuredUpstream, "UPSTREAM_MAX_CONNECTIONS") + ", streams "
            + value(upstreamStreams, configuredStreams, "UPSTREAM_MAX_STREAMS")
        if limitsConnections {
            logger.warning("\(line); raise `ulimit -n` for more")
        } else {
            logger.info("\(line)")
        }
    }
}

/// Stops accepting client sockets while ``DescriptorBudget/acceptCeiling`` are open, and starts again when
/// one closes (Hummingbird calls it on the listener's event loop). Without it a flood of idle sockets would
/// take every descriptor, and the requests in flight could open neither their upstream connections nor the
/// log files.
struct AcceptCeiling: AvailableConnectionsDelegate {
    let ceiling: Int
    var open = 0

    mutating func connectionOpened() { open += 1 }
    mutating func connectionClosed() { open -= 1 }
    // The listener accepts up to 4 sockets per read: stop 4 early so the ceiling holds.
    func isAcceptingNewConnections() -> Bool { open + 4 <= ceiling }
}

/// The process's descriptor limit.
enum DescriptorLimit {
    /// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit before and after.
    static func raiseSoftLimit() -> (before: Int, after: Int) {
        var limits = rlimit()
        guard getNoFile(&limits) == 0 else { return (1024, 1024) }
        let before = limits.rlim_cur
        var target = limits.rlim_max
        #if canImport(Darwin)
        // macOS refuses a soft limit above OPEN_MAX (the hard one is often "unlimited").
        target = min(target, rlim_t(OPEN_MAX))
        #endif
        if target > before {
            var raised = limits
            raised.rlim_cur = target
            if setNoFile(&raised) == 0 { limits = raised }
        }
        return (clamp(before), clamp(limits.rlim_cur))
    }

    /// Descriptors open now (the directory's own excepted); nil when the platform cannot list them.
    /// Reads a directory: call it on a thread-pool thread.
    static func openDescriptors() -> Int? {
        #if os(Linux)
        let folder = "/proc/self/fd"
        #else
        let folder = "/dev/fd"
        #endif
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        return max(entries.count - 1, 0)
    }

    private static func clamp(_ value: rlim_t) -> Int { value >= rlim_t(Int.max) ? Int.max : Int(value) }

    #if os(Linux)
    private static func getNoFile(_ limits: inout rlimit) -> Int32 { getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) }
    private static func setNoFile(_ limits: inout rlimit) -> Int32 { setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) }
    #else
    private static func getNoFile(_ limits: inout rlimit) -> Int32 { getrlimit(RLIMIT_NOFILE, &limits) }
    private static func setNoFile(_ limits: inout rlimit) -> Int32 { setrlimit(RLIMIT_NOFILE, &limits) }
    #endif
}
