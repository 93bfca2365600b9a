import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIClient

/// `/api/files`: streamed upload, list (array body + `Link` pagination), retrieve, streamed download, delete.
struct FilesController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration

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
        let policy = MultipartUploadPolicy(
            absoluteFileLimit: FileRules.absoluteLimit,
            validateFields: { fields, complete in FileRules.fieldProblems(fields, complete: complete) },
            validateFile: { file, fields, complete in FileRules.fileProblems(file, fields: fields, complete: complete) },
            fileLimit: { fields in
                let purpose = FileRules.validPurpose(fields)
                return (FileRules.sizeLimit(purpose: purpose), FileRules.sizeError(purpose: purpose, size: declaredLength))
            },
            upstreamField: { name, value, _ in FileRules.upstreamField(name: name, value: value) }
        )
        let client = self.client
        let upload = try await MultipartUpload.forward(request, policy: policy) { body in
            try await client.files.upload(body)
        }
        let (response, fields, file) = (upload.result, upload.fields, upload.file)
        context.call.annotate { record in
            record.bytesIn = upload.requestBytes
            record.extra["filename"] = JSONValue(file.filename)
            record.extra["bytes"] = .int(Int64(file.bytes))
            record.extra["purpose"] = JSONValue(fields["purpose"])
        }
        return context.call.json(response, status: .created, describe: Self.fileFields)
    }

    /// `GET /api/files?purpose=&order=&limit=&after=` → 200 with the page's `data` array, and
    /// `Link: </api/files?after=...>; rel="next"` when the upstream has more.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = try ListQuery(request, rules: FileRules.listRules)
        let response = try await client.files.list(query: query.upstream)
        return try context.call.listPage(response, query: query, extra: ["purpose": JSONValue(query.filters.first?.value)])
    }

    /// `GET /api/files/:id` → 200 FileObject.
    @Sendable func retrieve(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        return context.call.json(try await client.files.retrieve(id: id), status: .ok, describe: Self.fileFields)
    }

    /// `DELETE /api/files/:id` → 200 `{id, object: "file", deleted}` as the upstream sends it.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        return context.call.json(try await client.files.delete(id: id), status: .ok) {
            ["file_id": $0["id"] ?? .null, "deleted": $0["deleted"] ?? .null]
        }
    }

    /// `GET /api/files/:id/content` and `/download` → 200 with the bytes streamed from the upstream.
    ///
    /// The metadata call comes first: it gives the filename (for `Content-Type` and
    /// `Content-Disposition`) and the purpose (`assistants` files cannot be downloaded: 403 without
    /// asking the upstream for the content). The call is logged once the bytes have been sent (or the
    /// transfer broke off), with the bytes sent and how it ended.
    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        let metadataResponse = try await client.files.retrieve(id: id)
        let object = try? metadataResponse.json()
        context.call.annotate { record in
            record.objectID = id
            record.extra = Self.fileFields(object ?? .null)
        }
        if object?["purpose"]?.stringValue == "assistants" {
            context.call.upstream(metadataResponse.metadata)
            var error = GatewayError(code: "download_forbidden", parameter: "id")
            error.requestID = metadataResponse.metadata.requestID
            throw error
        }
        let filename = object?["filename"]?.stringValue ?? id
        let (metadata, body) = try await client.files.content(id: id)
        let headers: HTTPFields = [
            .contentType: ContentDisposition.contentType(forFilename: filename),
            .contentDisposition: ContentDisposition.attachment(filename: filename),
        ]
        return context.call.bytes(metadata, body: body, headers: headers)
    }

    // MARK: - Helpers

    /// The file members logged for every call: id, filename, bytes, purpose (and status, created_at).
    @Sendable static func fileFields(_ json: JSONValue) -> JSONObject {
        [
            "file_id": JSONValue(json["id"]?.stringValue), "filename": JSONValue(json["filename"]?.stringValue),
            "bytes": JSONValue(json["bytes"]?.intValue), "purpose": JSONValue(json["purpose"]?.stringValue),
            "status": JSONValue(json["status"]?.stringValue), "created_at": JSONValue(json["created_at"]?.intValue),
        ]
    }
}
