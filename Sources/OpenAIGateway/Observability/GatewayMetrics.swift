import NIOConcurrencyHelpers
import OpenAIClient
import Prometheus

/// The gateway's Prometheus metrics, fed by the call pipeline (a ``CallRecordSink``) and rendered by
/// `GET /metrics`.
///
/// One registry per application (tests run many gateways in one process, so nothing goes through the
/// global `MetricsSystem`). Every label value is bounded: routes are the router's templates (an unmatched
/// request is `unmatched`, an unknown `/v1` path `/v1/{path}`), models are catalogue names (else
/// `other`), keys are key ids (`none` without one), endpoints are upstream templates (at most
/// ``maxEndpoints`` of them, then `other`).
public final class GatewayMetrics: CallRecordSink, Sendable {
    /// The registry the metrics live in (`/metrics` renders it).
    public let registry: PrometheusCollectorRegistry
    let catalogue: ModelCatalogue
    /// Distinct upstream endpoint templates kept as labels; later ones are `other`.
    static let maxEndpoints = 200

    private let routes = NIOLockedValueBox<Set<String>>([])
    private let endpoints = NIOLockedValueBox<Set<String>>([])
    /// The ledger's cumulative counts already added to the counters (they only grow, by the difference).
    private let ledgerSeen = NIOLockedValueBox(LedgerStats())

    private let openStreams: Gauge
    private let ledgerQueued: Gauge
    private let ledgerSpilled: Counter
    private let ledgerWritten: Counter
    private let ledgerReplayed: Counter
    private let ledgerFailedBatches: Counter

    public init(catalogue: ModelCatalogue, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.catalogue = catalogue
        self.registry = registry
        openStreams = registry.makeGauge(descriptor: Names.openStreams)
        ledgerQueued = registry.makeGauge(descriptor: Names.ledgerQueueDepth)
        ledgerSpilled = registry.makeCounter(descriptor: Names.ledgerSpilled)
        ledgerWritten = registry.makeCounter(descriptor: Names.ledgerWritten)
        ledgerReplayed = registry.makeCounter(descriptor: Names.ledgerReplayed)
        ledgerFailedBatches = registry.makeCounter(descriptor: Names.ledgerFailedBatches)
    }

    /// The router's route templates (`/api/files/{id}`): a record's route is a label only when it is one of them.
    func knownRoutes(_ templates: some Sequence<String>) {
        let set = Set(templates)
        routes.withLockedValue { $0 = set }
    }

    // MARK: - CallRecordSink

    public func record(_ call: CallRecord) {
        let route = routeLabel(call.route)
        let requestKey = RequestKey(route: route, method: Self.methodLabel(call.method), status: call.status ?? 0)
        let endpoint = call.endpoint.map(endpointLabel)
        // Usage that a retrieve or a poll only reports (``UsageRole/reference``) was counted by the call that generated it.
        let usage = call.usageRole == .billed ? call.usage : nil
        let cost = call.cost.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        let usageKey = usage != nil || cost != nil ? UsageKey(model: modelLabel(call.model), key: call.key?.keyID ?? "none") : nil
        let handles = series(requestKey, endpoint: endpoint, usage: usageKey)
        handles.requests.increment()
        handles.route.latency.record(call.latencyMs / 1000)
        if let firstByte = call.firstByteMs { handles.route.firstByte.record(firstByte / 1000) }
        if let upstream = handles.endpoint, let attempts = call.attempts, attempts > 0 {
            upstream.attempts.increment(by: Int64(attempts))
            if attempts > 1 { upstream.retries.increment(by: Int64(attempts - 1)) }
        }
        if let counters = handles.usage {
            if let usage {
                for (counter, count) in [(counters.input, usage.input), (counters.output, usage.output), (counters.cached, usage.cached)]
                where count > 0 {
                    counter.increment(by: Int64(count))
                }
            }
            if let cost { counters.cost.increment(by: cost) }
        }
    }

    public func streamOpened() { openStreams.increment() }
    public func streamClosed() { openStreams.decrement() }

    // MARK: - Series

    /// The metrics of one request, looked up once per label set: the registry's own lookup validates and
    /// hashes names and labels on every call, which costs more than the counting.
    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct UsageKey: Hashable {
        var model: String
        var key: String
    }

    private struct RouteSeries {
        var latency: ValueHistogram
        var firstByte: ValueHistogram
    }

    private struct EndpointSeries {
        var attempts: Counter
        var retries: Counter
    }

    private struct UsageSeries {
        var input: Counter
        var output: Counter
        var cached: Counter
        var cost: Counter
    }

    private struct Series {
        var requests: [RequestKey: Counter] = [:]
        var routes: [String: RouteSeries] = [:]
        var endpoints: [String: EndpointSeries] = [:]
        var usage: [UsageKey: UsageSeries] = [:]
    }

    private let cache = NIOLockedValueBox(Series())

    private func series(
        _ request: RequestKey,
        endpoint: String?,
        usage: UsageKey?
    ) -> (requests: Counter, route: RouteSeries, endpoint: EndpointSeries?, usage: UsageSeries?) {
        cache.withLockedValue { cache in
            let requests =
                cache.requests[request]
                ?? {
                    let counter = registry.makeCounter(
                        descriptor: Names.requests,
                        labels: [("route", request.route), ("method", request.method), ("status", String(request.status))]
                    )
                    cache.requests[request] = counter
                    return counter
                }()
            let route =
                cache.routes[request.route]
                ?? {
                    let labels = [("route", request.route)]
                    let series = RouteSeries(
                        latency: registry.makeValueHistogram(descriptor: Names.latency, labels: labels, buckets: Self.secondsBuckets),
                        firstByte: registry.makeValueHistogram(descriptor: Names.firstByte, labels: labels, buckets: Self.secondsBuckets)
                    )
                    cache.routes[request.route] = series
                    return series
                }()
            let upstream = endpoint.map { endpoint in
                cache.endpoints[endpoint]
                    ?? {
                        let labels = [("endpoint", endpoint)]
                        let series = EndpointSeries(
                            attempts: registry.makeCounter(descriptor: Names.upstreamAttempts, labels: labels),
                            retries: registry.makeCounter(descriptor: Names.upstreamRetries, labels: labels)
                        )
                        cache.endpoints[endpoint] = series
                        return series
                    }()
            }
            let tokens = usage.map { usage in
                cache.usage[usage]
                    ?? {
                        func tokens(_ type: String) -> Counter {
                            registry.makeCounter(descriptor: Names.tokens, labels: [("model", usage.model), ("key", usage.key), ("type", type)])
                        }
                        let series = UsageSeries(
                            input: tokens("input"),
                            output: tokens("output"),
                            cached: tokens("cached"),
                            cost: registry.makeCounter(descriptor: Names.cost, labels: [("model", usage.model), ("key", usage.key)])
                        )
                        cache.usage[usage] = series
                        return series
                    }()
            }
            return (requests, route, upstream, tokens)
        }
    }

    // MARK: - Rendering

    /// The Prometheus text format (0.0.4) of every metric, with the ledger's counts read now.
    public func render(ledger: LedgerStats) -> [UInt8] {
        ledgerQueued.set(Double(ledger.queued))
        let counters: [(Counter, WritableKeyPath<LedgerStats, Int>)] = [
            (ledgerSpilled, \.spilled), (ledgerWritten, \.written), (ledgerReplayed, \.replayed), (ledgerFailedBatches, \.failedBatches),
        ]
        ledgerSeen.withLockedValue { seen in
            for (counter, count) in counters where ledger[keyPath: count] > seen[keyPath: count] {
                counter.increment(by: Int64(ledger[keyPath: count] - seen[keyPath: count]))
                seen[keyPath: count] = ledger[keyPath: count]
            }
        }
        return registry.emitToBuffer()
    }

    // MARK: - Labels

    static let secondsBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
    private static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    static func methodLabel(_ method: String) -> String { methods.contains(method) ? method : "other" }

    func routeLabel(_ route: String?) -> String {
        guard let route else { return "unmatched" }
        if routes.withLockedValue({ $0.contains(route) }) || V1Endpoint.isKnown(route: route) { return route }
        return route == "/v1" || route.hasPrefix("/v1/") ? "/v1/{path}" : "unmatched"
    }

    func modelLabel(_ model: String?) -> String {
        guard let model else { return "none" }
        return catalogue.resolvedName(model) ?? "other"
    }

    func endpointLabel(_ endpoint: String) -> String {
        endpoints.withLockedValue { seen in
            if seen.contains(endpoint) { return endpoint }
            guard seen.count < Self.maxEndpoints else { return "other" }
            seen.insert(endpoint)
            return endpoint
        }
    }

    /// The metric names (also listed in the README's "Metrics" section). Computed: the descriptor type is not `Sendable`.
    enum Names {
        static var requests: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "requests",
                unitName: "total",
                helpText: "Requests by route template, method and status."
            )
        }
        static var latency: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "request_duration",
                unitName: "seconds",
                helpText: "Time from the request's arrival to the end of its response body, by route template."
            )
        }
        static var firstByte: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "time_to_first_byte",
                unitName: "seconds",
                helpText: "Time from the request's arrival to the first byte of its response body, by route template."
            )
        }
        static var upstreamAttempts: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "upstream_attempts",
                unitName: "total",
                helpText: "Upstream attempts (first tries and retries) by endpoint template."
            )
        }
        static var upstreamRetries: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "upstream_retries",
                unitName: "total",
                helpText: "Upstream retries by endpoint template."
            )
        }
        static var tokens: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "tokens",
                unitName: "total",
                helpText: "Billed tokens by model, access key and type (input, output, cached)."
            )
        }
        static var cost: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "cost_usd",
                unitName: "total",
                helpText: "Estimated cost in USD by model and access key."
            )
        }
        static var openStreams: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "open_streams",
                unitName: "",
                helpText: "Server-sent event responses being written now."
            )
        }
        static var ledgerQueueDepth: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "ledger_queue_depth",
                unitName: "",
                helpText: "Usage ledger rows waiting in memory for the next batch."
            )
        }
        static var ledgerSpilled: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "ledger_spilled_rows",
                unitName: "total",
                helpText: "Usage ledger rows appended to the spill file (store down or slow, or queue full)."
            )
        }
        static var ledgerWritten: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "ledger_written_rows",
                unitName: "total",
                helpText: "Usage ledger rows written to the store."
            )
        }
        static var ledgerReplayed: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "ledger_replayed_rows",
                unitName: "total",
                helpText: "Spilled usage ledger rows written to the store later."
            )
        }
        static var ledgerFailedBatches: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "gateway",
                metricName: "ledger_failed_batches",
                unitName: "total",
                helpText: "Usage ledger batches the store refused (each then spilled)."
            )
        }
    }
}
