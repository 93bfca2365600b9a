import AsyncHTTPClient
import Hummingbird
import NIOCore
import OpenAIClient

/// The text fields of a multipart body, in arrival order (a repeated name keeps every value).
struct FormFields: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []

    /// The first value of `name`.
    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }
    func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }
    func contains(_ name: String) -> Bool { pairs.contains { $0.name == name } }
    var names: [String] { pairs.map(\.name) }
    mutating func append(name: String, value: String) { pairs.append((name, value)) }

    /// The fields as a JSON object of strings (the first value of each name), for the JSON rules.
    var jsonObject: JSONObject {
        var object = JSONObject()
        for (name, value) in pairs where object[name] == nil { object[name] = .string(value) }
        return object
    }
}

/// A file part of an upload, as far as it has been read.
struct UploadedFile: Sendable {
    /// The part's name as the client sent it (`image`, `image[]`, `mask`, `file`).
    var fieldName: String
    /// The rule's name the part falls under (`image` for `image[]`).
    var rule: String
    var filename: String?
    var contentType: String?
    /// Bytes of the file part read so far (all of them once the part ended).
    var bytes: Int
    /// The file's first bytes (up to ``UploadedFile/headLimit``), for format sniffing such as a WAV
    /// header's duration or an image's dimensions.
    var head: [UInt8] = []
    /// Whether the part has ended (its size and head are final).
    var complete = false

    static let headLimit = 4096

    init(fieldName: String, rule: String? = nil, filename: String?, contentType: String?, bytes: Int, head: [UInt8] = []) {
        self.fieldName = fieldName
        self.rule = rule ?? fieldName
        self.filename = filename
        self.contentType = contentType
        self.bytes = bytes
        self.head = head
    }
}

/// One kind of file part a multipart route accepts.
struct FilePartRule: Sendable {
    /// The part's name; the problems name it.
    var name: String
    /// Other names of the same part (`image[]` for `image`); forwarded as the client named them.
    var aliases: [String] = []
    /// Whether a body without such a part is refused.
    var required = true
    /// Most parts of this kind with these fields (the model may decide).
    var maxCount: @Sendable (_ fields: FormFields) -> Int = { _ in 1 }
    /// The size limit of one part with these fields, and the 413 error to raise past it.
    var limit: @Sendable (_ fields: FormFields) -> (bytes: Int, error: GatewayError)
    /// Checks a part against the fields: when it starts (name and type), when it has ended (its size and
    /// head are known: formats, dimensions; `file.complete`), and once the whole body was read
    /// (`bodyComplete`: every field is known, defaults apply).
    var validate: @Sendable (_ file: UploadedFile, _ fields: FormFields, _ bodyComplete: Bool) -> [ValidationProblem] = { _, _, _ in [] }

    func matches(_ partName: String) -> Bool { partName == name || aliases.contains(partName) }
}

/// What a multipart route accepts and how its body goes upstream.
struct MultipartUploadPolicy: Sendable {
    /// The file parts, the first being the main one (named in "send multipart" problems).
    var files: [FilePartRule]
    /// Largest text field, in bytes.
    var maxFieldBytes = 64 * 1024
    /// Most text fields.
    var maxFields = 64
    /// Hard ceiling of one file's size whatever the fields say (413 beyond it).
    var absoluteFileLimit: Int
    /// A declared `Content-Length` above this is refused at once (413) without reading the body.
    var absoluteBodyLimit: Int
    /// Checks the text fields. `complete` is false when a file part starts (fields sent after the file are not
    /// known yet, so "required" checks must wait) and true once the whole body was read.
    var validateFields: @Sendable (_ fields: FormFields, _ complete: Bool) -> [ValidationProblem]
    /// A refusal that is not a validation problem (e.g. a retired model: `model_retired`), checked with
    /// the fields wherever they are validated; thrown as it is.
    var refuse: @Sendable (_ fields: FormFields, _ complete: Bool) -> GatewayError? = { _, _ in nil }
    /// Checks across the parts once the whole body was read (e.g. a mask the size of the image).
    var validateUpload: @Sendable (_ files: [UploadedFile], _ fields: FormFields) -> [ValidationProblem] = { _, _ in [] }
    /// How a text field goes upstream (with the fields read so far): renamed, normalised, or dropped (nil).
    var upstreamField: @Sendable (_ name: String, _ value: String, _ fields: FormFields) -> (name: String, value: String)? = { name, value, _ in
        (name, value)
    }
    /// Fields to add upstream once the whole body was read (defaults for fields the client left out,
    /// e.g. `model`). They go last, since a field the client sends may come after the file.
    var defaultFields: @Sendable (_ fields: FormFields) -> [(name: String, value: String)] = { _ in [] }

    /// A route with one file part (`file` unless named otherwise).
    init(
        fileField: String = "file",
        absoluteFileLimit: Int,
        validateFields: @escaping @Sendable (_ fields: FormFields, _ complete: Bool) -> [ValidationProblem],
        validateFile: @escaping @Sendable (_ file: UploadedFile, _ fields: FormFields, _ bodyComplete: Bool) -> [ValidationProblem] = { _, _, _ in []
        },
        fileLimit: @escaping @Sendable (_ fields: FormFields) -> (bytes: Int, error: GatewayError),
        upstreamField: @escaping @Sendable (_ name: String, _ value: String, _ fields: FormFields) -> (name: String, value: String)? = {
            name,
            value,
            _ in (name, value)
        },
        defaultFields: @escaping @Sendable (_ fields: FormFields) -> [(name: String, value: String)] = { _ in [] }
    ) {
        self.init(
            files: [FilePartRule(name: fileField, limit: fileLimit, validate: validateFile)],
            absoluteFileLimit: absoluteFileLimit,
            validateFields: validateFields,
            upstreamField: upstreamField,
            defaultFields: defaultFields
        )
    }

    /// A route with several kinds of file parts.
    init(
        files: [FilePartRule],
        absoluteFileLimit: Int,
        absoluteBodyLimit: Int? = nil,
        validateFields: @escaping @Sendable (_ fields: FormFields, _ complete: Bool) -> [ValidationProblem],
        validateUpload: @escaping @Sendable (_ files: [UploadedFile], _ fields: FormFields) -> [ValidationProblem] = { _, _ in [] },
        upstreamField: @escaping @Sendable (_ name: String, _ value: String, _ fields: FormFields) -> (name: String, value: String)? = {
            name,
            value,
            _ in (name, value)
        },
        defaultFields: @escaping @Sendable (_ fields: FormFields) -> [(name: String, value: String)] = { _ in [] }
    ) {
        self.files = files
        self.absoluteFileLimit = absoluteFileLimit
        self.absoluteBodyLimit = absoluteBodyLimit ?? absoluteFileLimit + 1024 * 1024
        self.validateFields = validateFields
        self.validateUpload = validateUpload
        self.upstreamField = upstreamField
        self.defaultFields = defaultFields
    }

    /// The main file part's name.
    var mainPart: String { files.first?.name ?? "file" }

    func rule(for partName: String) -> FilePartRule? { files.first { $0.matches(partName) } }
}

/// Streams a client's multipart upload to the upstream, re-framed as the parts arrive.
///
/// The fields before the first file part are read and validated first, so most bad requests get their
/// 400 before the upstream hears of them. The files' bytes then flow through as they arrive, pulled by
/// the upstream request (so a slow upstream slows the client down instead of filling memory), each
/// counted against its part's limit and the count of its kind checked. Fields after a file are
/// validated as they come (and may lower the limits, e.g. a model named last); a problem found then, or
/// a file over its limit, aborts the upstream request before its body is complete, so the upstream
/// creates nothing, and the client gets the 400/413. Nothing holds a file in memory or on disk.
enum MultipartUpload {
    /// What an upload read and what the upstream answered.
    struct Outcome<T: Sendable>: Sendable {
        var result: T
        var fields: FormFields
        /// Every file part, in arrival order.
        var files: [UploadedFile]
        /// Bytes of the whole request body read.
        var requestBytes: Int

        /// The first file part (routes with one file).
        var file: UploadedFile { files.first ?? UploadedFile(fieldName: "", filename: nil, contentType: nil, bytes: 0) }
    }

    /// - Parameters:
    ///   - send: performs the upstream call with the re-framed body (not replayable, so never retried).
    static func forward<T: Sendable>(
        _ request: Request,
        policy: MultipartUploadPolicy,
        send: @escaping @Sendable (OpenAIRequest.Body) async throws -> T
    ) async throws -> Outcome<T> {
        let boundary = try multipartBoundary(request, policy: policy)
        var reader = UploadReader(body: request.body, boundary: boundary, policy: policy)
        guard try await reader.readUntilFile() else {
            // Every file part is optional (a video create's input_reference): the fields go up as a form.
            if !policy.files.contains(where: \.required) { return try await reader.forwardFieldsOnly(send: send) }
            // The body ended without a file part: report it with every field problem.
            var problems = policy.validateFields(reader.fields, true)
            for rule in policy.files where rule.required {
                problems.append(missingPart(rule))
            }
            throw GatewayError.validation(problems)
        }
        let upstreamContentType = reader.encoder.contentType
        let result = try await ChunkChannel.upload(
            send: { channel in try await send(.stream(chunks: channel, length: .unknown, contentType: upstreamContentType)) },
            next: { try await reader.nextChunk() },
            readFailure: { _ in unreadableBody }
        )
        return Outcome(result: result, fields: reader.fields, files: reader.files, requestBytes: reader.bodyBytes)
    }

    /// The boundary of a multipart request; a 400 naming the main part for any other body, and the 413 at
    /// once for a declared `Content-Length` above the policy's body limit.
    static func multipartBoundary(_ request: Request, policy: MultipartUploadPolicy) throws -> String {
        let main = policy.mainPart
        guard request.isMultipartForm, let contentType = request.headers[.contentType],
            let boundary = MultipartParser.boundary(fromContentType: contentType)
        else {
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: main,
                    message: "Request must be multipart/form-data with a \"\(main)\" part",
                    hint:
                        "Send the file as a form upload, e.g. curl -F \(main)=@\(main == "file" ? "document.pdf" : "\(main).png") ..., not a JSON body."
                )
            ])
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > policy.absoluteBodyLimit {
            throw policy.files.first?.limit(FormFields()).error ?? GatewayError(code: "payload_too_large")
        }
        return boundary
    }

    /// Reading the client's body failed (a broken chunked body, or the client went away).
    static var unreadableBody: GatewayError {
        GatewayError.validation([
            ValidationProblem(
                parameter: "body",
                message: "The request body could not be read to its end",
                hint: "Send a complete multipart/form-data body; the upload may have been interrupted."
            )
        ])
    }

    /// The body ended without its closing boundary.
    static var truncatedBody: GatewayError {
        GatewayError.validation([
            ValidationProblem(
                parameter: "body",
                message: "The multipart body ended before its closing boundary",
                hint: "Send a complete multipart/form-data body (the upload may have been interrupted)."
            )
        ])
    }

    static func missingPart(_ rule: FilePartRule) -> ValidationProblem {
        ValidationProblem(
            parameter: rule.name,
            message: "\(rule.name) is required",
            hint: "Add the file as a form part named \"\(rule.name)\", e.g. -F \(rule.name)=@path/to/file"
        )
    }
}

/// Reads the client's body and produces the upstream body's chunks. Used by the handler's task only.
private struct UploadReader {
    enum Phase { case beforeFile, afterFirstFile, done }

    let encoder = MultipartEncoder()
    let policy: MultipartUploadPolicy
    private var form: MultipartFormReader
    private var phase = Phase.beforeFile
    /// Upstream bytes waiting to be pulled (the fields before the file and the file's head, at first).
    private var pending: [ByteBuffer] = []

    var fields: FormFields { form.fields }
    var files: [UploadedFile] { form.files }
    /// Bytes of the client's body read so far.
    var bodyBytes: Int { form.bodyBytes }

    init(body: RequestBody, boundary: String, policy: MultipartUploadPolicy) {
        self.form = MultipartFormReader(body: body, boundary: boundary, policy: policy)
        self.policy = policy
    }

    /// A form that ended without a file part (every part being optional): its fields, bounded by the
    /// policy, are checked and sent as one replayable body.
    func forwardFieldsOnly<T: Sendable>(send: @Sendable (OpenAIRequest.Body) async throws -> T) async throws -> MultipartUpload.Outcome<T> {
        if let refusal = policy.refuse(fields, true) { throw refusal }
        let problems = policy.validateFields(fields, true)
        if !problems.isEmpty { throw GatewayError.validation(problems) }
        var body = ByteBuffer()
        var parts: [ByteBuffer] = []
        for (name, value) in fields.pairs {
            if let upstream = policy.upstreamField(name, value, fields) { parts.append(encoder.field(name: upstream.name, value: upstream.value)) }
        }
        for (name, value) in policy.defaultFields(fields) { parts.append(encoder.field(name: name, value: value)) }
        parts.append(encoder.closing)
        for var part in parts { body.writeBuffer(&part) }
        let result = try await send(.bytes(body, contentType: encoder.contentType))
        return MultipartUpload.Outcome(result: result, fields: fields, files: [], requestBytes: bodyBytes)
    }

    /// Reads up to the start of the first file part. Returns false when the body ended without one.
    /// Throws the 400 for bad fields, before anything goes upstream.
    mutating func readUntilFile() async throws -> Bool {
        while phase == .beforeFile {
            guard let item = try await form.next() else { return false }
            if case .end = item {
                phase = .done
                return false
            }
            try await handle(item)
        }
        // Also up to the first file's first byte or its end, so a file whose checks need its size (an empty
        // audio file) is refused before anything goes upstream.
        while phase != .done, let started = files.last, started.bytes == 0, !started.complete {
            guard let item = try await form.next() else { break }
            try await handle(item)
        }
        return true
    }

    /// The next bytes for the upstream, or nil at the end.
    mutating func nextChunk() async throws -> ByteBuffer? {
        while pending.isEmpty {
            if phase == .done { return nil }
            do {
                guard let item = try await form.next() else { throw MultipartUpload.truncatedBody }
                try await handle(item)
            } catch {
                phase = .done
                throw error
            }
        }
        return pending.removeFirst()
    }

    private mutating func handle(_ item: MultipartFormReader.Item) async throws {
        switch item {
        case .fileStart(let file, let rule):
            try await startFile(file, rule: rule)
        case .fileBytes(let buffer):
            pending.append(buffer)
        case .fileEnd(let index, let rule):
            pending.append(encoder.fileTail)
            let problems = rule.validate(files[index], fields, false)
            if !problems.isEmpty { throw await form.refusal(problems) }
        case .field(let name, let value):
            try await finishField(name: name, value: value)
        case .end:
            guard !files.isEmpty else { return }
            if let refusal = policy.refuse(fields, true) { throw refusal }
            try form.checkCompleteBodyLimits()
            let problems = form.completeBodyProblems()
            if !problems.isEmpty { throw GatewayError.validation(problems) }
            for (name, value) in policy.defaultFields(fields) { pending.append(encoder.field(name: name, value: value)) }
            pending.append(encoder.closing)
            phase = .done
        }
    }

    private mutating func startFile(_ file: UploadedFile, rule: FilePartRule) async throws {
        if phase == .beforeFile, let refusal = policy.refuse(fields, false) { throw refusal }
        var problems = phase == .beforeFile ? policy.validateFields(fields, false) : []
        problems += form.countProblems(adding: rule)
        problems += rule.validate(file, fields, false)
        let limit = min(policy.absoluteFileLimit, rule.limit(fields).bytes)
        if !problems.isEmpty {
            form.beginFile(file, rule: rule, limit: limit)  // counted (not forwarded) while the rest is read
            throw await form.refusal(problems)
        }
        if phase == .beforeFile {
            for (name, value) in fields.pairs {
                if let upstream = policy.upstreamField(name, value, fields) {
                    pending.append(encoder.field(name: upstream.name, value: upstream.value))
                }
            }
            phase = .afterFirstFile
        }
        form.beginFile(file, rule: rule, limit: limit)
        pending.append(
            encoder.fileHead(
                name: file.fieldName,
                filename: file.filename ?? "upload.bin",
                contentType: file.contentType ?? "application/octet-stream"
            )
        )
    }

    private mutating func finishField(name: String, value: String) async throws {
        guard phase != .beforeFile else { return }
        // A field after a file: check it now, re-check the counts and size limits, and forward it.
        if let refusal = policy.refuse(fields, false) { throw refusal }
        var problems = policy.validateFields(fields, false)
        problems += form.countProblems()
        if !problems.isEmpty { throw await form.refusal(problems) }
        for file in files {
            guard let rule = policy.rule(for: file.fieldName) else { continue }
            let fieldLimit = rule.limit(fields)
            if file.bytes > fieldLimit.bytes { throw fieldLimit.error }
        }
        if let current = form.current { form.limit = min(form.limit, current.rule.limit(fields).bytes) }
        if let upstream = policy.upstreamField(name, value, fields) { pending.append(encoder.field(name: upstream.name, value: upstream.value)) }
    }
}

extension Request {
    /// Whether the body is a `multipart/form-data` form (the routes that take a form or JSON decide by it).
    var isMultipartForm: Bool {
        headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true
    }
}
