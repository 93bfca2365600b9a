import Hummingbird
import Logging
import NIOCore
import OpenAIClient

/// `POST /api/responses/code-interpreter` and `POST /api/responses/input-tokens`.
///
/// The code-interpreter route takes a multipart form (any number of `files` parts and the text route's
/// fields as text, plus `memory_limit` and `container_id`) or a JSON body (`file_ids` already uploaded).
/// Each file streams to `/v1/files` (purpose `user_data`) as it arrives and is logged as its own
/// `files.log` entry; then one Responses call runs with the files in a new container. When that call
/// fails, the files uploaded for it are deleted again.
extension ResponsesController {
    /// `POST /api/responses/code-interpreter` → 201 with the upstream Response, or with `stream=true` the
    /// text route's server-sent events.
    @Sendable func createCodeInterpreter(_ request: Request, context: Context) async throws -> Response {
        let isForm = request.isMultipartForm
        let body: JSONObject
        let uploaded: [String]
        if isForm {
            (body, uploaded) = try await codeInterpreterForm(request, context: context)
        } else {
            (body, uploaded) = (try await codeInterpreterJSON(request), [])
        }
        let stream = body["stream"]?.boolValue == true
        let upstream = CodeInterpreterRequest.upstreamBody(body, uploadedFileIDs: uploaded, defaultModel: configuration.defaultModel, stream: stream)
        let tool = upstream["tools"]?.arrayValue?.first { $0["type"]?.stringValue == "code_interpreter" }
        context.call.annotate { record in
            record.model = upstream["model"]?.stringValue
            record.extra["uploaded_file_ids"] = .array(uploaded.map { .string($0) })
            record.extra["container"] = tool?["container"] ?? .null
        }
        do {
            if stream {
                let events = try await client.responses.createStream(upstream)
                context.call.annotate { $0.usageRole = .billed }
                return relay(events, status: .created, startingAfter: nil, request: request, context: context)
            }
            return context.call.json(try await client.responses.create(upstream), status: .created, usage: .billed)
        } catch {
            await deleteUploads(uploaded, context: context)
            throw error
        }
    }

    /// `POST /api/responses/input-tokens` → 200 with the upstream's `{object, input_tokens}` plus `model`
    /// and `estimated_input_cost_usd` (the catalogue's input price; null for a model without one).
    /// Nothing is generated or billed: the count is logged for reference.
    @Sendable func countInputTokens(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let json = try await request.decodeJSONBody(limit: configuration.maxBodySize)
        let problems = InputTokensRequest.validate(json)
        guard problems.isEmpty, let object = json.objectValue else { throw GatewayError.validation(problems) }
        let body = InputTokensRequest.upstreamBody(object, defaultModel: configuration.defaultModel)
        let model = body["model"]?.stringValue ?? configuration.defaultModel
        context.call.annotate { $0.model = model }
        let response = try await client.responses.inputTokens(body)
        var answer = (try? response.json())?.objectValue ?? [:]
        let count = answer["input_tokens"]?.intValue
        let cost = count.flatMap { CostEstimator(catalogue: catalogue).cost(model: model, usage: TokenUsage(input: $0, output: 0)) }
        answer["model"] = .string(model)
        answer["estimated_input_cost_usd"] = JSONValue(cost)
        context.call.annotate { record in
            record.usage = count.map { TokenUsage(input: $0, output: 0) }
            record.usageRole = .reference
            record.extra["input_tokens"] = JSONValue(count)
            record.extra["estimated_input_cost_usd"] = JSONValue(cost)
        }
        return context.call.json(.object(answer), status: .ok, upstream: response.metadata)
    }

    // MARK: - Code interpreter helpers

    /// A JSON body: the text route's rules plus the route's fields.
    private func codeInterpreterJSON(_ request: Request) async throws -> JSONObject {
        var request = request
        let json = try await request.decodeJSONBody(limit: configuration.maxBodySize)
        let problems = CodeInterpreterRequest.validate(json, uploads: 0)
        guard problems.isEmpty, let object = json.objectValue else { throw GatewayError.validation(problems) }
        return object
    }

    /// A multipart form: every `files` part streams to `/v1/files` as it arrives (one `files.log` entry
    /// each); the fields are checked as JSON with the text route's rules. Uploads made before a problem
    /// was found are deleted again.
    private func codeInterpreterForm(_ request: Request, context: Context) async throws -> (JSONObject, [String]) {
        let client = self.client
        let call = context.call
        let route = context.endpointPath
        let outcome = try await MultipartUpload.eachFile(
            request,
            policy: Self.codeInterpreterPolicy,
            uploadFields: [(name: "purpose", value: Self.uploadPurpose)],
            upload: { body in try await client.files.upload(body) },
            uploaded: { response, file in
                let json = (try? response.json()) ?? .null
                call.separateEntry(api: "files", route: route, answer: response) { record in
                    record.bytesIn = file.bytes
                    record.extra = FilesController.fileFields(json)
                    record.extra["filename"] = JSONValue(file.filename)
                    record.extra["bytes"] = .int(Int64(file.bytes))
                    record.extra["purpose"] = .string(Self.uploadPurpose)
                }
            },
            discard: { responses in await deleteUploads(responses.compactMap(Self.fileID), context: context) }
        )
        call.annotate { $0.bytesIn = outcome.requestBytes }
        let ids = outcome.results.compactMap(Self.fileID)
        if let unnamed = outcome.results.first(where: { Self.fileID($0) == nil }) {
            await deleteUploads(ids, context: context)
            throw VectorStoresController.invalidAnswer(unnamed, "The upstream file upload has no id")
        }
        return (CodeInterpreterRequest.body(fromForm: outcome.fields).body, ids)
    }

    /// Any number of `files` parts (up to 50, each within the `user_data` size limit and types); the text
    /// fields checked as the JSON body they make.
    static var codeInterpreterPolicy: MultipartUploadPolicy {
        let limit = FileRules.sizeLimit(purpose: Self.uploadPurpose)
        var purposeFields = FormFields()
        purposeFields.append(name: "purpose", value: Self.uploadPurpose)
        let userData = purposeFields
        let part = FilePartRule(
            name: "files",
            aliases: ["files[]"],
            required: false,
            maxCount: { _ in CodeInterpreterRequest.maxFiles },
            limit: { _ in (limit, FileRules.sizeError(purpose: Self.uploadPurpose, size: nil)) },
            validate: { file, _, complete in
                // An ended part's size is final: an empty file is refused before its upload completes.
                FileRules.fileProblems(file, fields: userData, complete: complete || file.complete).map { problem in
                    var problem = problem
                    if problem.parameter == "file" { problem.parameter = "files" }
                    return problem
                }
            }
        )
        return MultipartUploadPolicy(
            files: [part],
            absoluteFileLimit: limit,
            absoluteBodyLimit: Int.max,
            validateFields: { fields, complete in
                let (body, problems) = CodeInterpreterRequest.body(fromForm: fields)
                // Checked incomplete as a file part starts (so at least one file comes: a container_id
                // conflicts before anything is uploaded); the file count is checked once all are known.
                return problems + CodeInterpreterRequest.validate(.object(body), uploads: complete ? 0 : 1, complete: complete)
            },
            validateUpload: { files, fields in
                CodeInterpreterRequest.validate(.object(CodeInterpreterRequest.body(fromForm: fields).body), uploads: files.count)
            }
        )
    }

    static let uploadPurpose = "user_data"

    @Sendable static func fileID(_ response: OpenAIResponse) -> String? {
        (try? response.json())?["id"]?.stringValue
    }

    /// Deletes files uploaded for a call that failed (each deletion a `files.log` entry), so that it leaves
    /// nothing behind; the call's own entry lists them in `deleted_file_ids`. Runs to its end even when
    /// the client has gone away.
    func deleteUploads(_ ids: [String], context: Context) async {
        guard !ids.isEmpty else { return }
        let client = self.client
        let call = context.call
        let route = context.endpointPath
        let logger = context.logger
        let deleted = await Task {
            var deleted: [String] = []
            for id in ids {
                do {
                    let response = try await client.files.delete(id: id)
                    deleted.append(id)
                    call.separateEntry(api: "files", route: route, answer: response) { record in
                        record.objectID = id
                        record.extra = ["file_id": .string(id), "deleted": true, "reason": "code_interpreter_call_failed"]
                    }
                } catch {
                    logger.warning("could not delete an uploaded file after a failed call", metadata: ["file_id": .string(id)])
                }
            }
            return deleted
        }.value
        call.annotate { record in
            record.extra["deleted_file_ids"] = .array(deleted.map { .string($0) })
            if deleted.count < ids.count {
                record.extra["undeleted_file_ids"] = .array(ids.filter { !deleted.contains($0) }.map { .string($0) })
            }
        }
    }
}
