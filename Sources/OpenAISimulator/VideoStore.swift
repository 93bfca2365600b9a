import Foundation
import NIOConcurrencyHelpers
import OpenAIClient

/// One simulated video job. Its lifecycle is a function of the time since it was created, so a job needs
/// no background task: `queued` (progress 0) for the first tenth of its generation time, then
/// `in_progress` with the progress growing with time, then `completed` (progress 100). A job created
/// under a fault with `fail_after_events: N` fails when its progress reaches N (0: at the first look).
struct SimulatedVideo: Sendable {
    var id: String
    var model: String
    var prompt: String
    var size: String
    /// The clip's length (an extension's stitched total).
    var seconds: Int
    var remixedFrom: String?
    /// Unix seconds.
    var createdAt: Int
    var started: ContinuousClock.Instant
    var generationTime: Duration
    var failAtProgress: Int?
    /// Creation order, for listing videos made in the same second.
    var sequence = 0

    var seed: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    var asset: SimulatedVideoAsset { SimulatedVideoAsset(seed: seed, seconds: seconds, size: size) }

    enum Status: String, Sendable {
        case queued
        case inProgress = "in_progress"
        case completed, failed
    }

    /// Status and progress at `now`.
    func state(at now: ContinuousClock.Instant) -> (status: Status, progress: Int) {
        let total = generationTime.seconds
        let fraction = total <= 0 ? 1 : (now - started).seconds / total
        let progress = fraction >= 1 ? 100 : fraction < 0.1 ? 0 : max(1, min(99, Int(fraction * 100)))
        if let failAtProgress, progress >= failAtProgress { return (.failed, failAtProgress) }
        switch progress {
        case 100: return (.completed, 100)
        case 0: return (.queued, 0)
        default: return (.inProgress, progress)
        }
    }

    /// The `VideoResource` at `now`.
    func json(at now: ContinuousClock.Instant = .now) -> JSONValue {
        let (status, progress) = state(at: now)
        let finishedAt = createdAt + Int(generationTime.seconds.rounded(.up))
        let completed = status == .completed
        var error: JSONValue = .null
        if status == .failed {
            error = ["code": "video_generation_failed", "message": "The video could not be generated (simulated fault)."]
        }
        return [
            "id": .string(id), "object": "video", "model": .string(model), "status": .string(status.rawValue),
            "progress": JSONValue(progress), "created_at": JSONValue(createdAt),
            "completed_at": completed ? JSONValue(finishedAt) : .null,
            "expires_at": completed ? JSONValue(finishedAt + 86_400) : .null,
            "prompt": .string(prompt), "size": .string(size), "seconds": .string(String(seconds)),
            "remixed_from_video_id": JSONValue(remixedFrom), "error": error,
        ]
    }
}

/// The simulator's videos and characters.
final class SimulatorVideoStore: Sendable {
    private struct Storage {
        var videos: [String: SimulatedVideo] = [:]
        var characters: [String: JSONValue] = [:]
        var sequence = 0
    }

    private let storage = NIOLockedValueBox(Storage())
    /// Videos beyond this evict the oldest.
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    func insert(_ video: SimulatedVideo) {
        storage.withLockedValue { storage in
            var video = video
            storage.sequence += 1
            video.sequence = storage.sequence
            storage.videos[video.id] = video
            if storage.videos.count > capacity, let oldest = storage.videos.values.min(by: { $0.sequence < $1.sequence }) {
                storage.videos[oldest.id] = nil
            }
        }
    }

    func video(id: String) -> SimulatedVideo? {
        storage.withLockedValue { $0.videos[id] }
    }

    /// Every video, oldest first.
    func all() -> [SimulatedVideo] {
        storage.withLockedValue { $0.videos.values.sorted { $0.sequence < $1.sequence } }
    }

    func delete(id: String) -> Bool {
        storage.withLockedValue { $0.videos.removeValue(forKey: id) != nil }
    }

    func insertCharacter(_ character: JSONValue, id: String) {
        storage.withLockedValue { $0.characters[id] = character }
    }

    func character(id: String) -> JSONValue? {
        storage.withLockedValue { $0.characters[id] }
    }

    func removeAll() {
        storage.withLockedValue { $0 = Storage() }
    }
}
