import Hummingbird
import NIOCore
import OpenAIClient

/// `POST /api/vector-stores/:vector_store_id/files/upload`: the official SDKs' `upload_and_poll`
/// in one call. The multipart `file` streams to `/v1/files` (purpose `assistants`) as it arrives,
/// the new file is attached to the store, and with `?poll=true` the answer waits for the file to be
/// processed. The upload is logged as its own `files.log` entry; the request as `vector_stores.log`.
extension VectorStoresController {
    static let uploadFields = ["attributes", "chunking_strategy"]

    /// `?poll=true&max_wait_ms=` → 201 VectorStoreFile (processed, with `poll`).
    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        let poll = try Self.pollFlag(request)
        let wait = try request.uri.queryParameters["max_wait_ms"].map {
            try Polling.maxWait(String($0), parameter: "max_wait_ms", default: Self.defaultMaxWait)
        }
        if wait != nil, !poll {
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: "max_wait_ms",
                    message: "max_wait_ms applies only with poll=true",
                    hint: "Add ?poll=true to wait for the file to be processed, or leave max_wait_ms out."
                )
            ])
        }
        let (uploaded, fields, file, requestBytes) = try await forwardUpload(request)
        let fileJSON = try uploaded.json()
        context.call.separateEntry(api: "files", route: context.endpointPath, answer: uploaded) { record in
            record.bytesIn = requestBytes
            record.extra = FilesController.fileFields(fileJSON)
            record.extra["filename"] = JSONValue(file.filename)
            record.extra["bytes"] = .int(Int64(file.bytes))
            record.extra["purpose"] = "assistants"
            record.extra["vector_store_id"] = .string(id)
        }
        guard let fileID = fileJSON["id"]?.stringValue else { throw Self.invalidAnswer(uploaded, "The upstream file upload has no id") }
        var body: JSONObject = ["file_id": .string(fileID)]
        for name in Self.uploadFields {
            if let text = fields[name], let value = try? JSONValue(parsing: text) { body[name] = value }
        }
        let attached: OpenAIResponse
        do {
            attached = try await client.vectorStores.addFile(storeID: id, body)
        } catch {
            // Leave no orphan behind: the file exists only to be attached. Only when the upstream said no
            // (a 4xx): after a timeout or a 5xx the attach may have happened, and the store would then
            // hold a file whose object is gone. The delete runs to its end even if the client has left.
            let refused = error.status.map { (400..<500).contains($0) } ?? false
            let client = self.client
            let deleted = refused ? await Task { (try? await client.files.delete(id: fileID)) != nil }.value : false
            context.call.annotate { record in
                record.extra["upload_file_id"] = .string(fileID)
                record.extra["upload_deleted"] = .bool(deleted)
            }
            throw error
        }
        context.call.annotate { record in
            record.extra["upload_file_id"] = .string(fileID)
            record.extra["bytes"] = .int(Int64(file.bytes))
        }
        guard poll else { return context.call.json(attached, status: .created, describe: Self.fileFields) }
        let final = try await pollFile(store: id, file: fileID, wait: wait ?? Self.defaultMaxWait, context: context)
        return context.call.json(final, status: .created, describe: Self.fileFields)
    }

    /// Streams the file part to `/v1/files` with purpose `assistants`; `attributes` and
    /// `chunking_strategy` (JSON text fields) are checked and kept for the attach call.
    private func forwardUpload(_ request: Request) async throws -> (OpenAIResponse, FormFields, UploadedFile, requestBytes: Int) {
        let declaredLength = request.headers[.contentLength].flatMap(Int.init)
        var assistants = FormFields()
        assistants.append(name: "purpose", value: "assistants")
        let purposeFields = assistants
        let limit = FileRules.sizeLimit(purpose: "assistants")
        let policy = MultipartUploadPolicy(
            absoluteFileLimit: limit,
            validateFields: { fields, _ in Self.uploadFieldProblems(fields) },
            validateFile: { file, _, complete in FileRules.fileProblems(file, fields: purposeFields, complete: complete) },
            fileLimit: { _ in (limit, FileRules.sizeError(purpose: "assistants", size: declaredLength)) },
            upstreamField: { _, _, _ in nil },
            defaultFields: { _ in [(name: "purpose", value: "assistants")] }
        )
        let client = self.client
        let upload = try await MultipartUpload.forward(request, policy: policy) { body in try await client.files.upload(body) }
        return (upload.result, upload.fields, upload.file, upload.requestBytes)
    }

    /// The form's text fields: only `attributes` and `chunking_strategy`, each once, as JSON text.
    static func uploadFieldProblems(_ fields: FormFields) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        var object = JSONObject()
        for name in Set(fields.names).sorted() {
            guard uploadFields.contains(name) else {
                let hint =
                    name == "purpose"
                    ? "Leave purpose out: files attached to a vector store are uploaded with purpose \"assistants\"."
                    : "This route accepts the form parts file, attributes and chunking_strategy (JSON text)."
                problems.append(ValidationProblem(parameter: name, message: "property \(name) should not exist", hint: hint))
                continue
            }
            guard let text = fields[name], let value = try? JSONValue(parsing: text) else { continue }
            object[name] = value
        }
        for name in uploadFields where fields.contains(name) && object[name] == nil {
            problems.append(
                ValidationProblem(
                    parameter: name,
                    message: "\(name) must be JSON text",
                    hint: name == "attributes"
                        ? "Send the attributes as a JSON object, e.g. -F 'attributes={\"author\": \"Ada\"}'."
                        : "Send the strategy as JSON, e.g. -F 'chunking_strategy={\"type\": \"auto\"}'."
                )
            )
        }
        var rules = FieldValidator(object)
        VectorStoreRules.attributes(&rules, "attributes")
        VectorStoreRules.chunkingStrategy(&rules, "chunking_strategy")
        return problems + rules.problems
    }

    /// `?poll=true|false` (default false).
    static func pollFlag(_ request: Request) throws -> Bool {
        guard let raw = request.uri.queryParameters["poll"] else { return false }
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: "poll",
                    message: "poll must be true or false",
                    hint: "Use ?poll=true to answer once the file is processed (got \"\(raw.prefix(20))\")."
                )
            ])
        }
    }
}
