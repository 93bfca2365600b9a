import AsyncHTTPClient
import NIOHTTP1

/// The Files API: `/files`.
///
/// ```swift
/// let uploaded = try await client.files.upload(.stream(chunks: body, length: .unknown, contentType: encoder.contentType))
/// let page = try await client.files.list(query: [("purpose", "batch"), ("order", "desc")])
/// let (metadata, bytes) = try await client.files.content(id: "file-abc")
/// for try await chunk in bytes { ... }
/// ```
public struct FilesResource: Sendable {
    let transport: OpenAITransport

    /// `POST /files` with a `multipart/form-data` body (`file`, `purpose`, `expires_after[anchor]`,
    /// `expires_after[seconds]`). A `.stream` body is sent as it is produced and never retried.
    public func upload(_ body: OpenAIRequest.Body) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["files"], body: body))
    }

    /// `GET /files` with `purpose`, `order`, `limit`, `after`: one page `{object, data, first_id, last_id, has_more}`.
    public func list(query: [(name: String, value: String)] = []) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .GET, path: ["files"], query: query))
    }

    /// `GET /files/{id}`: the file object.
    public func retrieve(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .GET, path: ["files", .id(id)]))
    }

    /// `DELETE /files/{id}`: `{id, object: "file", deleted}`.
    public func delete(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .DELETE, path: ["files", .id(id)]))
    }

    /// `GET /files/{id}/content`: the file's bytes, streamed (not collected), so a large file never sits
    /// in memory. Retries happen only until the response head arrives; the caller must consume or drop `body`.
    public func content(id: String) async throws(OpenAIError) -> (metadata: OpenAIResponseMetadata, body: UpstreamBody) {
        try await transport.open(OpenAIRequest(method: .GET, path: ["files", .id(id), "content"]))
    }
}

extension OpenAIClient {
    /// The Files API.
    public var files: FilesResource { FilesResource(transport: transport) }
}
