import NIOConcurrencyHelpers
import OpenAIClient

/// Everything the simulator remembers: faults to play, stored responses and their events, stored
/// chat completions, stats.
///
/// Shared by the HTTP handlers and by tests, which can add faults and read stats in-process:
/// ```swift
/// let state = SimulatorState()
/// state.addFault(SimulatorFault(path: "/v1/responses", status: 429, retryAfterMs: 100))
/// let simulator = try await SimulatorServer.start(.init(), state: state)
/// ```
public final class SimulatorState: Sendable {
    /// Stored responses beyond this evict the oldest.
    public let maxStoredResponses: Int
    private let storage = NIOLockedValueBox(Storage())
    /// Video jobs and characters (`/v1/videos...`).
    let videos = SimulatorVideoStore()
    /// The models requests may name (kept by ``reset()``).
    public let models = SimulatorModels()

    public init(maxStoredResponses: Int = 10_000) {
        self.maxStoredResponses = max(1, maxStoredResponses)
    }

    // MARK: - Faults

    /// Adds a fault; it applies to the next `count` matching requests.
    public func addFault(_ fault: SimulatorFault) {
        guard fault.count > 0 else { return }
        storage.withLockedValue { $0.faults.append(fault) }
    }

    /// Removes every pending fault.
    public func clearFaults() {
        storage.withLockedValue { $0.faults.removeAll() }
    }

    /// The pending faults, with their remaining counts.
    public func faults() -> [SimulatorFault] {
        storage.withLockedValue { $0.faults }
    }

    /// Takes one use of the first fault matching a request.
    func takeFault(method: String, path: String) -> SimulatorFault? {
        storage.withLockedValue { storage in
            guard let index = storage.faults.firstIndex(where: { $0.matches(method: method, path: path) }) else { return nil }
            let fault = storage.faults[index]
            storage.faults[index].count -= 1
            if storage.faults[index].count <= 0 { storage.faults.remove(at: index) }
            return fault
        }
    }

    // MARK: - Stats

    /// A copy of the counters.
    public func stats() -> SimulatorStats {
        storage.withLockedValue { $0.stats }
    }

    /// Clears faults, stored responses (stopping background runs), stored chat completions, videos and stats.
    public func reset() {
        let (runs, subscribers) = storage.withLockedValue { storage in
            let runs = storage.responses.values.compactMap(\.run)
            let subscribers = storage.responses.values.flatMap { $0.subscribers.values }
            let openStreams = storage.stats.openStreams
            storage = Storage()
            // Streams still being written will decrement this when they end.
            storage.stats.openStreams = openStreams
            return (runs, subscribers)
        }
        runs.forEach { $0.cancel() }
        subscribers.forEach { $0.finish() }
        videos.removeAll()
    }

    /// Stops every background run and ends every live stream (used at shutdown).
    func cancelBackgroundRuns() {
        let (runs, subscribers) = storage.withLockedValue { storage in
            let runs = storage.responses.values.compactMap(\.run)
            let subscribers = storage.responses.values.flatMap { $0.subscribers.values }
            for id in storage.responses.keys {
                storage.responses[id]?.run = nil
                storage.responses[id]?.subscribers.removeAll()
            }
            return (runs, subscribers)
        }
        runs.forEach { $0.cancel() }
        subscribers.forEach { $0.finish() }
    }

    func recordRequest(_ pattern: String, assistantsBeta: Bool = false) {
        storage.withLockedValue {
            $0.stats.requests[pattern, default: 0] += 1
            $0.stats.totalRequests += 1
            if assistantsBeta { $0.stats.assistantsBetaRequests += 1 }
        }
    }

    func totalRequests() -> Int {
        storage.withLockedValue { $0.stats.totalRequests }
    }

    func streamOpened() {
        storage.withLockedValue { $0.stats.openStreams += 1 }
    }

    enum StreamOutcome { case completed, dropped, clientDisconnected }

    func streamClosed(_ outcome: StreamOutcome) {
        storage.withLockedValue {
            $0.stats.openStreams = max(0, $0.stats.openStreams - 1)
            switch outcome {
            case .completed: $0.stats.completedStreams += 1
            case .clientDisconnected: $0.stats.clientDisconnects += 1
            case .dropped: break
            }
        }
    }

    // MARK: - Stored responses

    struct StoredResponse: Sendable {
        var snapshot: JSONValue
        var inputItems: [JSONValue]
        var events: [JSONValue] = []
        var finished = false
        var background: Bool
        var run: Task<Void, Never>?
        var subscribers: [Int: AsyncStream<JSONValue>.Continuation] = [:]
    }

    private struct Storage {
        var faults: [SimulatorFault] = []
        var responses: [String: StoredResponse] = [:]
        var order: [String] = []
        var nextSubscriber = 0
        var stats = SimulatorStats()
        var chatCompletions: [String: StoredChatCompletion] = [:]
        var chatSequence = 0
    }

    func insert(id: String, _ response: StoredResponse) {
        let evicted: [StoredResponse] = storage.withLockedValue { storage in
            storage.responses[id] = response
            storage.order.append(id)
            var evicted: [StoredResponse] = []
            while storage.responses.count > maxStoredResponses, !storage.order.isEmpty {
                if let old = storage.responses.removeValue(forKey: storage.order.removeFirst()) { evicted.append(old) }
            }
            // Deleted ids linger in `order`; compact so it stays bounded.
            if storage.order.count > 2 * maxStoredResponses + 16 {
                storage.order.removeAll { storage.responses[$0] == nil }
            }
            return evicted
        }
        for old in evicted {
            old.run?.cancel()
            old.subscribers.values.forEach { $0.finish() }
        }
    }

    func setRun(id: String, _ run: Task<Void, Never>) {
        storage.withLockedValue { $0.responses[id]?.run = run }
    }

    func response(id: String) -> StoredResponse? {
        storage.withLockedValue { $0.responses[id] }
    }

    /// Total tokens of a stored response, `nil` when there is none with that id.
    func totalTokens(id: String) -> Int? {
        storage.withLockedValue { storage in
            storage.responses[id].map { $0.snapshot["usage"]?["total_tokens"]?.intValue ?? 0 }
        }
    }

    /// Records an emitted event (and the snapshot it brings) and passes it to live readers.
    /// Returns false when the response is gone or was cancelled, so its producer stops.
    @discardableResult
    func append(id: String, event: JSONValue, snapshot: JSONValue?, finishes: Bool = false) -> Bool {
        let result: (Bool, [AsyncStream<JSONValue>.Continuation]) = storage.withLockedValue { storage in
            guard var stored = storage.responses[id], !stored.finished else { return (false, []) }
            stored.events.append(event)
            if let snapshot { stored.snapshot = snapshot }
            stored.finished = finishes
            if finishes { stored.run = nil }
            let subscribers = Array(stored.subscribers.values)
            if finishes { stored.subscribers.removeAll() }
            storage.responses[id] = stored
            return (true, subscribers)
        }
        for subscriber in result.1 {
            subscriber.yield(event)
            if finishes { subscriber.finish() }
        }
        return result.0
    }

    /// Ends a response that will get no more events (its stream was cut), with its last state.
    func finish(id: String, snapshot: JSONValue) {
        let subscribers: [AsyncStream<JSONValue>.Continuation] = storage.withLockedValue { storage in
            guard var stored = storage.responses[id], !stored.finished else { return [] }
            stored.snapshot = snapshot
            stored.finished = true
            stored.run = nil
            let subscribers = Array(stored.subscribers.values)
            stored.subscribers.removeAll()
            storage.responses[id] = stored
            return subscribers
        }
        subscribers.forEach { $0.finish() }
    }

    enum CancelResult {
        case notFound, notBackground
        /// It had already ended with this status (`completed`, `failed`, `incomplete`).
        case finished(String)
        case cancelled(JSONValue)
    }

    /// Cancels a background response: status `cancelled`, its run stopped, live readers ended.
    /// Cancelling a cancelled response answers it again; one that ended otherwise is `finished`.
    func cancel(id: String) -> CancelResult {
        let result: (CancelResult, Task<Void, Never>?, [AsyncStream<JSONValue>.Continuation]) = storage.withLockedValue { storage in
            guard var stored = storage.responses[id] else { return (.notFound, nil, []) }
            guard stored.background else { return (.notBackground, nil, []) }
            if stored.finished {
                let status = stored.snapshot["status"]?.stringValue ?? "completed"
                return (status == "cancelled" ? .cancelled(stored.snapshot) : .finished(status), nil, [])
            }
            if case .object(var object) = stored.snapshot {
                object["status"] = "cancelled"
                stored.snapshot = .object(object)
            }
            stored.finished = true
            let run = stored.run
            stored.run = nil
            let subscribers = Array(stored.subscribers.values)
            stored.subscribers.removeAll()
            storage.responses[id] = stored
            return (.cancelled(stored.snapshot), run, subscribers)
        }
        result.1?.cancel()
        result.2.forEach { $0.finish() }
        return result.0
    }

    func delete(id: String) -> Bool {
        let removed = storage.withLockedValue { $0.responses.removeValue(forKey: id) }
        removed?.run?.cancel()
        removed?.subscribers.values.forEach { $0.finish() }
        return removed != nil
    }

    /// The stored events after `startingAfter`, and a live feed of later ones when the response is still running.
    func subscribe(id: String, startingAfter: Int) -> (replay: [JSONValue], live: AsyncStream<JSONValue>?)? {
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .unbounded)
        let result: (replay: [JSONValue], live: AsyncStream<JSONValue>?, key: Int)? = storage.withLockedValue { storage in
            guard var stored = storage.responses[id] else { return nil }
            let replay = stored.events.filter { ($0["sequence_number"]?.intValue ?? -1) > startingAfter }
            guard !stored.finished else { return (replay, nil, -1) }
            let key = storage.nextSubscriber
            storage.nextSubscriber += 1
            stored.subscribers[key] = continuation
            storage.responses[id] = stored
            return (replay, stream, key)
        }
        guard let result else { return nil }
        if result.live == nil {
            continuation.finish()
        } else {
            let key = result.key
            continuation.onTermination = { [weak self] _ in
                self?.storage.withLockedValue { _ = $0.responses[id]?.subscribers.removeValue(forKey: key) }
            }
        }
        return (result.replay, result.live)
    }

    // MARK: - Stored chat completions

    /// A chat completion created with `store: true`.
    struct StoredChatCompletion: Sendable {
        /// The object as created.
        var completion: JSONValue
        var metadata: JSONObject
        var model: String
        /// Creation order: completions made in the same second still list in a stable order.
        var sequence = 0

        /// What retrieve and list answer: the completion with its `metadata`.
        var json: JSONValue {
            guard case .object(var object) = completion else { return completion }
            object["metadata"] = .object(metadata)
            return .object(object)
        }
    }

    /// Stores a chat completion; beyond ``maxStoredResponses`` the oldest is forgotten.
    func insertChatCompletion(id: String, _ completion: StoredChatCompletion) {
        storage.withLockedValue { storage in
            var completion = completion
            storage.chatSequence += 1
            completion.sequence = storage.chatSequence
            storage.chatCompletions[id] = completion
            if storage.chatCompletions.count > maxStoredResponses,
                let oldest = storage.chatCompletions.min(by: { $0.value.sequence < $1.value.sequence })?.key
            {
                storage.chatCompletions[oldest] = nil
            }
        }
    }

    func chatCompletion(id: String) -> StoredChatCompletion? {
        storage.withLockedValue { $0.chatCompletions[id] }
    }

    /// Every stored chat completion, oldest first.
    func chatCompletions() -> [StoredChatCompletion] {
        storage.withLockedValue { $0.chatCompletions.values.sorted { $0.sequence < $1.sequence } }
    }

    /// Replaces a stored chat completion's metadata; `nil` when there is none with that id.
    func updateChatCompletion(id: String, metadata: JSONObject) -> StoredChatCompletion? {
        storage.withLockedValue { storage in
            storage.chatCompletions[id]?.metadata = metadata
            return storage.chatCompletions[id]
        }
    }

    func deleteChatCompletion(id: String) -> Bool {
        storage.withLockedValue { $0.chatCompletions.removeValue(forKey: id) != nil }
    }
}
