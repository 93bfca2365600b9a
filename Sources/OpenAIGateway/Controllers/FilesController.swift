import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import OpenAIClient

/// `/api/files`: streamed upload, list (array body + `Link` pagination), retrieve, streamed download, delete.
struct FilesController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration
    let requestLogger: RequestLogger

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: upload)
        group.get(use: list)
        group.get(":id", use: retrieve)
        group.get(":id/content", use: download)
        // The name the seed's docs and e2e tests use.
        group.get(":id/download", use: download)
        group.delete(":id", use: delete)
    }

    // MARK: - Handlers

    /// `POST /api/files` (multipart `file`, `purpose`, `expires_after[anchor]`, `expires_after[seconds]`) → 201 FileObject.
    /// The file streams through to the upstream; size and type are enforced while it passes.
    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        let declaredLength = request.headers[.contentLength].flatMap(Int.init)
        // The pipeline validates the file at its start and at the end of the body; the end is when the
        // fields are checked with `complete == true` just before, which is what this flag records.
        let bodyComplete = NIOLockedValueBox(false)
        let policy = MultipartUploadPolicy(
            absoluteFileLimit: FileRules.absoluteLimit,
            validateFields: { fields, complete in
                if complete { bodyComplete.withLockedValue { $0 = true } }
                return FileRules.fieldProblems(fields, complete: complete)
            },
            validateFile: { file, fields in
                FileRules.fileProblems(file, fields: fields, complete: bodyComplete.withLockedValue { $0 })
            },
            fileLimit: { fields in
                let purpose = FileRules.validPurpose(fields)
                return (FileRules.sizeLimit(purpose: purpose), FileRules.sizeError(purpose: purpose, size: declaredLength))
            },
            upstreamField: { FileRules.upstreamField(name: $0, value: $1) }
        )
        let client = self.client
        let (response, fields, file) = try await MultipartUpload.forward(request, policy: policy) { body in
            try await Self.upstream("POST /v1/files") { try await client.files.upload(body) }
        }
        let json = try? response.json()
        var extra = Self.fileFields(json)
        if extra["filename"] == nil || extra["filename"] == .null { extra["filename"] = JSONValue(file.filename) }
        if extra["bytes"] == nil || extra["bytes"] == .null { extra["bytes"] = .int(Int64(file.bytes)) }
        if extra["purpose"] == nil || extra["purpose"] == .null { extra["purpose"] = JSONValue(fields["purpose"]) }
        return passThrough(response, status: .created, request: request, context: context, extra: extra)
    }

    /// `GET /api/files?purpose=&order=&limit=&after=` → 200 with the page's `data` array, and
    /// `Link: </api/files?after=...>; rel="next"` when the upstream has more.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = try FileListQuery(request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) })
        let response = try await Self.upstream("GET /v1/files") { try await client.files.list(query: query.upstream) }
        let json = try await Self.upstream("GET /v1/files") { try response.json() }
        guard let data = json["data"]?.arrayValue else {
            throw GatewayError(
                status: .badGateway,
                message: "Invalid response from OpenAI API",
                errorCode: "bad_upstream_response",
                hint: "The upstream file list has no data array. Check OPENAI_BASE_URL points at an OpenAI-compatible API.",
                requestID: response.metadata.requestID
            )
        }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let upstreamID = response.metadata.requestID { headers[.upstreamRequestID] = upstreamID }
        let lastID = json["last_id"]?.stringValue ?? data.last?["id"]?.stringValue
        if json["has_more"]?.boolValue == true, let lastID {
            headers[.linkHeader] = "<\(query.nextPath(after: lastID))>; rel=\"next\""
        }
        requestLogger.success(
            request: request,
            context: context,
            status: 200,
            endpoint: response.metadata.endpoint,
            metadata: response.metadata,
            responseJSON: nil,
            extra: [
                "purpose": JSONValue(query.purpose), "order": .string(query.order), "count": .int(Int64(data.count)),
                "has_more": JSONValue(json["has_more"]?.boolValue ?? false),
            ]
        )
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONValue.array(data).jsonBytes)))
    }

    /// `GET /api/files/:id` → 200 FileObject.
    @Sendable func retrieve(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let response = try await Self.upstream("GET /v1/files/{id}") { try await client.files.retrieve(id: id) }
        let json = try? response.json()
        return passThrough(response, status: .ok, request: request, context: context, extra: Self.fileFields(json))
    }

    /// `DELETE /api/files/:id` → 200 `{id, object: "file", deleted}` as the upstream sends it.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let response = try await Self.upstream("DELETE /v1/files/{id}") { try await client.files.delete(id: id) }
        let json = try? response.json()
        let extra: JSONObject = ["file_id": .string(json?["id"]?.stringValue ?? id), "deleted": JSONValue(json?["deleted"]?.boolValue)]
        return passThrough(response, status: .ok, request: request, context: context, extra: extra)
    }

    /// `GET /api/files/:id/content` and `/download` → 200 with the bytes streamed from the upstream.
    ///
    /// The metadata call comes first: it gives the filename (for `Content-Type` and
    /// `Content-Disposition`) and the purpose (`assistants` files cannot be downloaded: 403 without
    /// asking the upstream for the content).
    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let metadataResponse = try await Self.upstream("GET /v1/files/{id}") { try await client.files.retrieve(id: id) }
        let object = try? metadataResponse.json()
        let purpose = object?["purpose"]?.stringValue
        if purpose == "assistants" {
            var error = GatewayError(
                status: .forbidden,
                message: "Files with purpose \"assistants\" cannot be downloaded",
                errorCode: "download_forbidden",
                parameter: "id",
                hint: "OpenAI keeps assistants files for file search and code interpreter only. Keep your own copy, or upload the file "
                    + "with purpose \"user_data\" if you need to read it back.",
                requestID: metadataResponse.metadata.requestID
            )
            error.endpoint = metadataResponse.metadata.endpoint
            throw error
        }
        let filename = object?["filename"]?.stringValue ?? id
        let (metadata, body) = try await Self.upstream("GET /v1/files/{id}/content") { try await client.files.content(id: id) }
        var headers: HTTPFields = [
            .contentType: ContentDisposition.contentType(forFilename: filename),
            .contentDisposition: ContentDisposition.attachment(filename: filename),
        ]
        if let length = metadata.headers.first(name: "content-length"), let bytes = Int(length), bytes >= 0 {
            headers[.contentLength] = String(bytes)
        }
        if let upstreamID = metadata.requestID { headers[.upstreamRequestID] = upstreamID }
        var extra = Self.fileFields(object)
        extra["file_id"] = .string(id)
        requestLogger.success(
            request: request,
            context: context,
            status: 200,
            endpoint: metadata.endpoint,
            metadata: metadata,
            responseJSON: nil,
            extra: extra
        )
        return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: body))
    }

    // MARK: - Helpers

    /// The file members logged for every call: id, filename, bytes, purpose (and status, created_at).
    static func fileFields(_ json: JSONValue?) -> JSONObject {
        [
            "file_id": JSONValue(json?["id"]?.stringValue), "filename": JSONValue(json?["filename"]?.stringValue),
            "bytes": JSONValue(json?["bytes"]?.intValue), "purpose": JSONValue(json?["purpose"]?.stringValue),
            "status": JSONValue(json?["status"]?.stringValue), "created_at": JSONValue(json?["created_at"]?.intValue),
        ]
    }

    /// Runs an upstream call, turning its failure into the gateway's error (with the endpoint for the log).
    static func upstream<T>(_ endpoint: String, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as OpenAIError {
            var gatewayError = GatewayError(upstream: error)
            gatewayError.endpoint = endpoint
            gatewayError.attempts = error.attempts
            throw gatewayError
        }
    }

    private func passThrough(
        _ response: OpenAIResponse,
        status: HTTPResponse.Status,
        request: Request,
        context: Context,
        extra: JSONObject
    ) -> Response {
        requestLogger.success(
            request: request,
            context: context,
            status: Int(status.code),
            endpoint: response.metadata.endpoint,
            metadata: response.metadata,
            responseJSON: nil,
            extra: extra
        )
        return .upstreamJSON(response, status: status)
    }
}

extension HTTPField.Name {
    /// RFC 8288 `Link` (pagination of `GET /api/files`).
    fileprivate static let linkHeader = HTTPField.Name("Link")!
}
