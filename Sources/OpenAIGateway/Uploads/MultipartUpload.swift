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
}

/// The file part of an upload, as far as it has been read.
struct UploadedFile: Sendable {
    var fieldName: String
    var filename: String?
    var contentType: String?
    /// Bytes of the file part read so far (all of them once the upload finished).
    var bytes: Int
    /// The file's first bytes (up to ``UploadedFile/headLimit``), for format sniffing such as a WAV header's duration.
    var head: [UInt8] = []
    /// Bytes of the whole request body read (set when the upload finished).
    var requestBytes = 0

    static let headLimit = 4096
}

/// What a multipart route accepts and how its body goes upstream.
struct MultipartUploadPolicy: Sendable {
    /// Name of the file part.
    var fileField = "file"
    /// Largest text field, in bytes.
    var maxFieldBytes = 64 * 1024
    /// Most text fields.
    var maxFields = 64
    /// Hard ceiling of the file's size whatever the fields say (413 beyond it).
    var absoluteFileLimit: Int
    /// Checks the text fields. `complete` is false when the file part starts (fields sent after the file are not
    /// known yet, so "required" checks must wait) and true once the whole body was read.
    var validateFields: @Sendable (_ fields: FormFields, _ complete: Bool) -> [ValidationProblem]
    /// Checks the file's name and type against the fields (e.g. the types a purpose allows).
    var validateFile: @Sendable (_ file: UploadedFile, _ fields: FormFields) -> [ValidationProblem] = { _, _ in [] }
    /// The size limit that applies with these fields, and the 413 error to raise past it.
    var fileLimit: @Sendable (_ fields: FormFields) -> (bytes: Int, error: GatewayError)
    /// How a text field goes upstream: renamed, normalised, or dropped (nil).
    var upstreamField: @Sendable (_ name: String, _ value: String) -> (name: String, value: String)? = { ($0, $1) }
    /// Fields to add upstream once the whole body was read (defaults for fields the client left out,
    /// e.g. `model`). They go last, since a field the client sends may come after the file.
    var defaultFields: @Sendable (_ fields: FormFields) -> [(name: String, value: String)] = { _ in [] }
    /// When false, a body without the file part is valid: its fields go upstream as a small form of their own.
    var fileRequired = true
}

/// Streams a client's multipart upload to the upstream, re-framed as the parts arrive.
///
/// The fields before the file part are read and validated first, so most bad requests get their 400
/// before the upstream hears of them. The file's bytes then flow through as they arrive, pulled by the
/// upstream request (so a slow upstream slows the client down instead of filling memory), counted
/// against the size limit. Fields after the file are validated as they come; a problem found then, or a
/// file over its limit, aborts the upstream request before its body is complete, and the client gets the
/// 400/413. Nothing holds the file in memory or on disk.
enum MultipartUpload {
    /// - Parameters:
    ///   - send: performs the upstream call with the re-framed body (not replayable, so never retried).
    /// - Returns: the upstream result, the text fields and the file's description.
    static func forward<T: Sendable>(
        _ request: Request,
        policy: MultipartUploadPolicy,
        send: @escaping @Sendable (OpenAIRequest.Body) async throws -> T
    ) async throws -> (result: T, fields: FormFields, file: UploadedFile) {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = MultipartParser.boundary(fromContentType: contentType)
        else {
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: policy.fileField,
                    message: "Request must be multipart/form-data with a \"\(policy.fileField)\" part",
                    hint: "Send the file as a form upload, e.g. curl -F \(policy.fileField)=@document.pdf -F purpose=user_data ..."
                )
            ])
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > policy.absoluteFileLimit + 1024 * 1024 {
            throw policy.fileLimit(FormFields()).error
        }
        var reader = UploadReader(body: request.body, boundary: boundary, policy: policy)
        guard try await reader.readUntilFile() else {
            if !policy.fileRequired { return try await reader.forwardFieldsOnly(send: send) }
            // The body ended without a file part: report it with every field problem.
            var problems = policy.validateFields(reader.fields, true)
            problems.append(
                ValidationProblem(
                    parameter: policy.fileField,
                    message: "\(policy.fileField) is required",
                    hint: "Add the file as a form part named \"\(policy.fileField)\", e.g. -F \(policy.fileField)=@path/to/file"
                )
            )
            throw GatewayError.validation(problems)
        }
        let upstreamContentType = reader.encoder.contentType
        let result = try await ChunkChannel.upload(
            send: { channel in try await send(.stream(.stream(channel, length: .unknown), contentType: upstreamContentType)) },
            next: { try await reader.nextChunk() },
            readFailure: { _ in
                // Reading the client's body failed (a broken chunked body, or the client went away).
                GatewayError.validation([
                    ValidationProblem(
                        parameter: "body",
                        message: "The request body could not be read to its end",
                        hint: "Send a complete multipart/form-data body; the upload may have been interrupted."
                    )
                ])
            }
        )
        guard var file = reader.file else { throw GatewayError.validation([]) }
        file.requestBytes = reader.bodyBytes
        return (result, reader.fields, file)
    }
}

/// Reads the client's body and produces the upstream body's chunks. Used by the handler's task only.
private struct UploadReader {
    enum Phase { case beforeFile, inFile, afterFile, done }

    let encoder = MultipartEncoder()
    let policy: MultipartUploadPolicy
    private var iterator: RequestBody.AsyncIterator
    private var parser: MultipartParser
    private(set) var fields = FormFields()
    private(set) var file: UploadedFile?
    private var phase = Phase.beforeFile
    private var field: (name: String, bytes: ByteBuffer)?
    private var skippingPart = false
    private var limit: Int
    /// Bytes of the client's body read so far.
    private(set) var bodyBytes = 0
    /// Upstream bytes waiting to be pulled (the fields before the file and the file's head, at first).
    private var pending: [ByteBuffer] = []

    init(body: RequestBody, boundary: String, policy: MultipartUploadPolicy) {
        self.iterator = body.makeAsyncIterator()
        self.parser = MultipartParser(boundary: boundary)
        self.policy = policy
        self.limit = policy.absoluteFileLimit
    }

    /// Reads up to the start of the file part. Returns false when the body ended without one.
    /// Throws the 400 for bad fields, before anything goes upstream.
    mutating func readUntilFile() async throws -> Bool {
        while phase == .beforeFile {
            guard let event = try await nextEvent() else { return false }
            if case .end = event {
                phase = .done
                return false
            }
            try handle(event)
        }
        return true
    }

    /// A form without its optional file: the fields (bounded by the policy) are checked and sent as one
    /// replayable body.
    func forwardFieldsOnly<T: Sendable>(
        send: @Sendable (OpenAIRequest.Body) async throws -> T
    ) async throws -> (result: T, fields: FormFields, file: UploadedFile) {
        let problems = policy.validateFields(fields, true)
        if !problems.isEmpty { throw GatewayError.validation(problems) }
        var body = ByteBuffer()
        for (name, value) in fields.pairs {
            if var part = policy.upstreamField(name, value).map({ encoder.field(name: $0.name, value: $0.value) }) { body.writeBuffer(&part) }
        }
        for (name, value) in policy.defaultFields(fields) {
            var part = encoder.field(name: name, value: value)
            body.writeBuffer(&part)
        }
        var closing = encoder.closing
        body.writeBuffer(&closing)
        let result = try await send(.bytes(body, contentType: encoder.contentType))
        var file = UploadedFile(fieldName: policy.fileField, filename: nil, contentType: nil, bytes: 0)
        file.requestBytes = bodyBytes
        return (result, fields, file)
    }

    /// The next bytes for the upstream, or nil at the end.
    mutating func nextChunk() async throws -> ByteBuffer? {
        while pending.isEmpty {
            if phase == .done { return nil }
            do {
                guard let event = try await nextEvent() else {
                    throw GatewayError.validation([
                        ValidationProblem(
                            parameter: "body",
                            message: "The multipart body ended before its closing boundary",
                            hint: "Send a complete multipart/form-data body (the upload may have been interrupted)."
                        )
                    ])
                }
                try handle(event)
            } catch {
                phase = .done
                throw error
            }
        }
        return pending.removeFirst()
    }

    /// The next parser event, reading more of the body as needed; nil when the body ended.
    private mutating func nextEvent() async throws -> MultipartEvent? {
        while true {
            do {
                if let event = try parser.next() { return event }
            } catch {
                throw GatewayError.validation([
                    ValidationProblem(
                        parameter: "body",
                        message: "Malformed multipart body: \(error.description)",
                        hint: "Let your HTTP client build the multipart/form-data body (e.g. curl -F, requests' files=, FormData)."
                    )
                ])
            }
            guard let buffer = try await iterator.next() else {
                do {
                    try parser.finish()
                } catch {
                    return nil
                }
                return try parser.next()
            }
            bodyBytes += buffer.readableBytes
            parser.append(buffer)
        }
    }

    private mutating func handle(_ event: MultipartEvent) throws {
        switch event {
        case .head(let head):
            if head.name == policy.fileField, head.filename != nil || file == nil, file == nil {
                try startFile(head)
            } else if head.name == policy.fileField || head.filename != nil {
                skippingPart = true  // a second file, or a file under another name: not forwarded
            } else {
                guard fields.pairs.count < policy.maxFields else {
                    throw GatewayError.validation([
                        ValidationProblem(
                            parameter: head.name ?? "body",
                            message: "Too many form fields (more than \(policy.maxFields))",
                            hint: "Send only the documented fields."
                        )
                    ])
                }
                field = (head.name ?? "", ByteBuffer())
            }
        case .body(var buffer):
            if skippingPart { return }
            if phase == .inFile, field == nil {
                if let count = file?.head.count, count < UploadedFile.headLimit {
                    file?.head += buffer.readableBytesView.prefix(UploadedFile.headLimit - count)
                }
                file?.bytes += buffer.readableBytes
                if let bytes = file?.bytes, bytes > limit { throw policy.fileLimit(fields).error }
                pending.append(buffer)
            } else if var current = field {
                guard current.bytes.readableBytes + buffer.readableBytes <= policy.maxFieldBytes else {
                    throw GatewayError.validation([
                        ValidationProblem(
                            parameter: current.name,
                            message: "\(current.name) is longer than \(policy.maxFieldBytes) bytes",
                            hint: "Form fields carry short values; send the data itself as the file part."
                        )
                    ])
                }
                current.bytes.writeBuffer(&buffer)
                field = current
            }
        case .partEnd:
            if skippingPart {
                skippingPart = false
            } else if let current = field {
                field = nil
                try finishField(name: current.name, value: String(buffer: current.bytes))
            } else if phase == .inFile {
                pending.append(encoder.fileTail)
                phase = .afterFile
            }
        case .end:
            guard let file else { return }
            var problems = policy.validateFields(fields, true)
            problems += policy.validateFile(file, fields)
            if !problems.isEmpty { throw GatewayError.validation(problems) }
            for (name, value) in policy.defaultFields(fields) { pending.append(encoder.field(name: name, value: value)) }
            pending.append(encoder.closing)
            phase = .done
        }
    }

    private mutating func startFile(_ head: MultipartPartHead) throws {
        let started = UploadedFile(fieldName: policy.fileField, filename: head.filename, contentType: head.contentType, bytes: 0)
        var problems = policy.validateFields(fields, false)
        problems += policy.validateFile(started, fields)
        if !problems.isEmpty { throw GatewayError.validation(problems) }
        file = started
        limit = min(policy.absoluteFileLimit, policy.fileLimit(fields).bytes)
        for (name, value) in fields.pairs {
            if let upstream = policy.upstreamField(name, value) { pending.append(encoder.field(name: upstream.name, value: upstream.value)) }
        }
        pending.append(
            encoder.fileHead(
                name: policy.fileField,
                filename: head.filename ?? "upload.bin",
                contentType: head.contentType ?? "application/octet-stream"
            )
        )
        phase = .inFile
    }

    private mutating func finishField(name: String, value: String) throws {
        fields.append(name: name, value: value)
        guard phase != .beforeFile else { return }
        // A field after the file: check it now, re-check the size limit, and forward it.
        let problems = policy.validateFields(fields, false)
        if !problems.isEmpty { throw GatewayError.validation(problems) }
        let fieldLimit = policy.fileLimit(fields)
        limit = min(limit, fieldLimit.bytes)
        if let bytes = file?.bytes, bytes > limit { throw fieldLimit.error }
        if let upstream = policy.upstreamField(name, value) { pending.append(encoder.field(name: upstream.name, value: upstream.value)) }
    }
}
