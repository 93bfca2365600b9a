import AsyncHTTPClient
import NIOHTTP1

/// The Images API: `/images/generations`, `/images/edits` and `/images/variations`.
///
/// A generation has a JSON body (retried like every JSON call); edits and variations take a
/// multipart body, usually streamed from the client, so they are never retried. With `stream: true`
/// (GPT Image models) the answer is an event stream of `image_generation.partial_image` /
/// `image_edit.partial_image` events, then `...completed`: ``open(_:body:)`` gives it uncollected.
///
/// ```swift
/// let answer = try await client.images.generate(["model": "gpt-image-1.5", "prompt": "an otter"])
/// let (metadata, events) = try await client.images.open(.generations, body: .json(["prompt": "an otter", "stream": true]))
/// ```
public struct ImagesResource: Sendable {
    let transport: OpenAITransport

    /// The three endpoints.
    public enum Endpoint: String, Sendable {
        case generations, edits, variations
    }

    /// `POST /images/generations`, collected (the JSON answer with the images as base64 or URLs).
    public func generate(_ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["images", "generations"], body: .json(.object(body))))
    }

    /// Any of the endpoints with its response body uncollected: an event stream when the request
    /// asked for `stream`, else the JSON answer.
    public func open(
        _ endpoint: Endpoint,
        body: OpenAIRequest.Body
    ) async throws(OpenAIError) -> (metadata: OpenAIResponseMetadata, body: UpstreamBody) {
        try await transport.open(
            OpenAIRequest(
                method: .POST,
                path: ["images", .literal(endpoint.rawValue)],
                headers: ["Accept": "text/event-stream, application/json"],
                body: body
            )
        )
    }

}

extension OpenAIClient {
    /// The Images API.
    public var images: ImagesResource { ImagesResource(transport: transport) }
}
