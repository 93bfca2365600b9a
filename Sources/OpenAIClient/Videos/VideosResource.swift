import AsyncHTTPClient
import NIOHTTP1

/// The Videos API: `/videos`.
///
/// ```swift
/// let job = try await client.videos.create(.json(["model": "sora-2", "prompt": "A calico cat playing a piano"]))
/// let latest = try await client.videos.retrieve(id: "video_123")
/// let (metadata, bytes) = try await client.videos.content(id: "video_123", variant: "thumbnail")
/// for try await chunk in bytes { ... }
/// ```
public struct VideosResource: Sendable {
    let transport: OpenAITransport

    /// `POST /videos` with a JSON body or a `multipart/form-data` one (an `input_reference` image).
    /// A `.stream` body is sent as it is produced and never retried.
    public func create(_ body: OpenAIRequest.Body) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["videos"], body: body))
    }

    /// `GET /videos` with `limit`, `order`, `after`: one page `{object, data, first_id, last_id, has_more}`.
    public func list(query: [(name: String, value: String)] = []) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .GET, path: ["videos"], query: query))
    }

    /// `GET /videos/{id}`: the video job.
    public func retrieve(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .GET, path: ["videos", .id(id)]))
    }

    /// `DELETE /videos/{id}`: `{id, object: "video.deleted", deleted}`.
    public func delete(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .DELETE, path: ["videos", .id(id)]))
    }

    /// `POST /videos/{id}/remix` `{prompt}`: a new job.
    public func remix(id: String, body: JSONValue) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["videos", .id(id), "remix"], body: .json(body)))
    }

    /// `POST /videos/edits` (JSON `{video: {id}, prompt}` or multipart with a video upload).
    public func edit(_ body: OpenAIRequest.Body) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["videos", "edits"], body: body))
    }

    /// `POST /videos/extensions` (JSON `{video: {id}, prompt, seconds}` or multipart with a video upload).
    public func extend(_ body: OpenAIRequest.Body) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["videos", "extensions"], body: body))
    }

    /// `POST /videos/characters` (multipart `video`, `name`).
    public func createCharacter(_ body: OpenAIRequest.Body) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["videos", "characters"], body: body))
    }

    /// `GET /videos/characters/{id}`.
    public func character(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .GET, path: ["videos", "characters", .id(id)]))
    }

    /// `GET /videos/{id}/content?variant=`: the asset's bytes, streamed (not collected). Retries happen
    /// only until the response head arrives; the caller must consume or drop `body`.
    public func content(id: String, variant: String) async throws(OpenAIError) -> (metadata: OpenAIResponseMetadata, body: UpstreamBody) {
        try await transport.open(OpenAIRequest(method: .GET, path: ["videos", .id(id), "content"], query: [("variant", variant)]))
    }
}

extension OpenAIClient {
    /// The Videos API.
    public var videos: VideosResource { VideosResource(transport: transport) }
}
