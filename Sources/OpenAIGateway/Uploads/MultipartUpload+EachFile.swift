import Hummingbird
import NIOCore
import OpenAIClient

extension MultipartUpload {
    /// What ``eachFile(_:policy:uploadFields:upload:uploaded:discard:)`` read and uploaded.
    struct EachFileOutcome<T: Sendable>: Sendable {
        /// One upstream answer per file part, in arrival order.
        var results: [T]
        var fields: FormFields
        /// Every file part, in arrival order (`files[i]` went up as `results[i]`).
        var files: [UploadedFile]
        /// Bytes of the whole request body read.
        var requestBytes: Int
    }

    /// Streams every file part of a client's multipart body to an upstream upload of its own, while the
    /// body is read: each part becomes a `multipart/form-data` body of `uploadFields` and the part (named
    /// `file`, with its original filename and content type), pulled by its upload request as the client
    /// sends it. Nothing holds a file in memory. The text fields, before, between or after the files, are
    /// kept for the caller.
    ///
    /// The fields read so far are validated before each file goes up (so most bad requests get their
    /// 400 before any upload), each part against its rule and size limit as it passes, and the whole form
    /// once the body ended. A problem found after some uploads (a bad field sent last, a file over its
    /// limit, a broken body, a failed upload) hands the finished uploads to `discard` before the error is
    /// thrown, so the caller can delete them.
    ///
    /// - Parameters:
    ///   - uploadFields: text fields sent with every upload, before the file (`purpose`).
    ///   - upload: performs one upstream upload with its streamed body (not replayable, so never retried).
    ///   - uploaded: called as each upload has answered, with the file part it carried.
    ///   - discard: called with the finished uploads when the request fails after some of them.
    static func eachFile<T: Sendable>(
        _ request: Request,
        policy: MultipartUploadPolicy,
        uploadFields: [(name: String, value: String)],
        upload: @escaping @Sendable (OpenAIRequest.Body) async throws -> T,
        uploaded: (T, UploadedFile) -> Void = { _, _ in },
        discard: ([T]) async -> Void
    ) async throws -> EachFileOutcome<T> {
        let boundary = try multipartBoundary(request, policy: policy)
        var form = MultipartFormReader(body: request.body, boundary: boundary, policy: policy)
        var results: [T] = []
        do {
            while true {
                guard let item = try await form.next() else { throw truncatedBody }
                switch item {
                case .fileStart(let file, let rule):
                    if let refusal = policy.refuse(form.fields, false) { throw refusal }
                    let problems =
                        policy.validateFields(form.fields, false) + form.countProblems(adding: rule) + rule.validate(file, form.fields, false)
                    form.beginFile(file, rule: rule, limit: min(policy.absoluteFileLimit, rule.limit(form.fields).bytes))
                    if !problems.isEmpty { throw await form.refusal(problems) }
                    let result = try await uploadPart(file, reader: &form, uploadFields: uploadFields, upload: upload)
                    results.append(result)
                    uploaded(result, form.files[form.files.count - 1])
                case .end:
                    if let refusal = policy.refuse(form.fields, true) { throw refusal }
                    try form.checkCompleteBodyLimits()
                    let problems = form.completeBodyProblems()
                    if !problems.isEmpty { throw GatewayError.validation(problems) }
                    return EachFileOutcome(results: results, fields: form.fields, files: form.files, requestBytes: form.bodyBytes)
                case .field, .fileBytes, .fileEnd:
                    // Fields are checked when the next file starts and at the end; file bytes are read by `uploadPart`.
                    continue
                }
            }
        } catch {
            if !results.isEmpty { await discard(results) }
            throw error
        }
    }

    /// One file part as its own upload: the head (fields and the part's headers), its bytes as they are
    /// read, then its tail, pulled by the upload request.
    private static func uploadPart<T: Sendable>(
        _ file: UploadedFile,
        reader form: inout MultipartFormReader,
        uploadFields: [(name: String, value: String)],
        upload: @escaping @Sendable (OpenAIRequest.Body) async throws -> T
    ) async throws -> T {
        let encoder = MultipartEncoder()
        var pending = uploadFields.map { encoder.field(name: $0.name, value: $0.value) }
        pending.append(
            encoder.fileHead(name: "file", filename: file.filename ?? "upload.bin", contentType: file.contentType ?? "application/octet-stream")
        )
        var ended = false
        let contentType = encoder.contentType
        return try await ChunkChannel.upload(
            send: { channel in try await upload(.stream(chunks: channel, length: .unknown, contentType: contentType)) },
            next: {
                if !pending.isEmpty { return pending.removeFirst() }
                guard !ended else { return nil }
                guard let item = try await form.next() else { throw truncatedBody }
                switch item {
                case .fileBytes(let bytes):
                    return bytes
                case .fileEnd(let index, let rule):
                    let problems = rule.validate(form.files[index], form.fields, false)
                    if !problems.isEmpty { throw await form.refusal(problems) }
                    ended = true
                    var tail = encoder.fileTail
                    tail.writeImmutableBuffer(encoder.closing)
                    return tail
                case .fileStart, .field, .end:
                    // The parser ends a part before anything else starts: nothing but bytes and the end come here.
                    throw truncatedBody
                }
            },
            readFailure: { _ in unreadableBody }
        )
    }
}
