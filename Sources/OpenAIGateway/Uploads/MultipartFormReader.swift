import Hummingbird
import NIOCore
import OpenAIClient

/// Reads a client's multipart body part by part for the upload readers (``MultipartUpload/forward(_:policy:send:)``
/// and ``MultipartUpload/eachFile(_:policy:uploadFields:upload:uploaded:discard:)``): text fields are collected,
/// bounded by the policy; file parts are tracked (their size counted against a limit as the bytes pass,
/// their head kept) and their bytes handed on as they arrive, never collected. Used by the handler's task only.
struct MultipartFormReader {
    enum Item {
        /// A file part starts. It is tracked once the caller accepts it with ``beginFile(_:rule:limit:)``.
        case fileStart(UploadedFile, FilePartRule)
        /// Bytes of the current file part (already counted against its limit).
        case fileBytes(ByteBuffer)
        /// The current file part ended: `files[index]` is complete.
        case fileEnd(index: Int, rule: FilePartRule)
        /// A text field was read (it is in `fields` already).
        case field(name: String, value: String)
        /// The closing boundary was read.
        case end
    }

    let policy: MultipartUploadPolicy
    private var iterator: RequestBody.AsyncIterator
    private var parser: MultipartParser
    private(set) var fields = FormFields()
    /// Every accepted file part, in arrival order.
    private(set) var files: [UploadedFile] = []
    /// The file part being read (an index into `files`) and its rule.
    private(set) var current: (index: Int, rule: FilePartRule)?
    private var field: (name: String, bytes: ByteBuffer)?
    /// The size limit of the current file part (fields read later may lower it).
    var limit: Int
    /// Bytes of the client's body read so far.
    private(set) var bodyBytes = 0

    init(body: RequestBody, boundary: String, policy: MultipartUploadPolicy) {
        self.iterator = body.makeAsyncIterator()
        self.parser = MultipartParser(boundary: boundary)
        self.policy = policy
        self.limit = policy.absoluteFileLimit
    }

    /// Starts tracking a file part announced by ``Item/fileStart(_:_:)``, with its size limit.
    mutating func beginFile(_ file: UploadedFile, rule: FilePartRule, limit: Int) {
        files.append(file)
        current = (files.count - 1, rule)
        self.limit = limit
    }

    /// The next item, or nil when the body ended before its closing boundary.
    mutating func next() async throws -> Item? {
        while true {
            guard let event = try await nextEvent() else { return nil }
            if let item = try handle(event) { return item }
        }
    }

    /// The problem when one more part of `rule` (or the parts already read, with `adding == nil`) is too many.
    func countProblems(adding rule: FilePartRule? = nil) -> [ValidationProblem] {
        policy.files.compactMap { kind in
            let count = files.filter { $0.rule == kind.name }.count + (kind.name == rule?.name ? 1 : 0)
            let maximum = kind.maxCount(fields)
            guard count > maximum else { return nil }
            return ValidationProblem(
                parameter: kind.name,
                message:
                    "At most \(maximum) \(kind.name) part\(maximum == 1 ? "" : "s") can be sent\(fields["model"].map { " with \($0.prefix(60))" } ?? "")",
                hint: "Send at most \(maximum) file\(maximum == 1 ? "" : "s") as \(kind.name) (got \(count) so far)."
            )
        }
    }

    /// The problems of a complete body: the fields (every one known now), the required parts, each file
    /// part once the whole body was read, and the checks across the parts.
    /// Throws the 413 of a file over the limit that applies with the defaults of a complete body (e.g. the
    /// default model's smaller file limit, when the form names no model).
    func checkCompleteBodyLimits() throws(GatewayError) {
        var effective = fields
        for (name, value) in policy.defaultFields(fields) { effective.append(name: name, value: value) }
        for file in files {
            guard let limit = policy.rule(for: file.fieldName)?.limit(effective) else { continue }
            if file.bytes > limit.bytes { throw limit.error }
        }
    }

    func completeBodyProblems() -> [ValidationProblem] {
        var problems = policy.validateFields(fields, true)
        for rule in policy.files where rule.required && !files.contains(where: { $0.rule == rule.name }) {
            problems.append(MultipartUpload.missingPart(rule))
        }
        for file in files {
            problems += policy.rule(for: file.fieldName)?.validate(file, fields, true) ?? []
        }
        if problems.isEmpty { problems = policy.validateUpload(files, fields) }
        return problems
    }

    /// Most body bytes read past the first problem to find the others (``refusal(_:)``).
    static let refusalReadLimit = 16 * 1024 * 1024

    /// The 400 for `problems` found part way, with every other problem of the form, like a JSON body's:
    /// the rest of the body is read (nothing is forwarded, file bytes are only counted), each later file
    /// part and field is checked, and the whole form once its end is reached, so one answer lists all of
    /// them. Reading stops after ``refusalReadLimit`` bytes, or at a size limit or a broken body; the
    /// answer then lists what was found so far.
    mutating func refusal(_ problems: [ValidationProblem]) async -> GatewayError {
        var found = problems
        // A later check of a parameter already reported (the end's check of a field seen part way, in other
        // words once defaults apply) adds nothing: each parameter with a problem is named once at least.
        func add(_ more: [ValidationProblem]) {
            found += more.filter { problem in !found.contains { $0.parameter == problem.parameter } }
        }
        let start = bodyBytes
        reading: while bodyBytes - start <= Self.refusalReadLimit {
            guard let item = try? await next() else { break }
            switch item {
            case .fileStart(let file, let rule):
                add(countProblems(adding: rule) + rule.validate(file, fields, false))
                beginFile(file, rule: rule, limit: min(policy.absoluteFileLimit, rule.limit(fields).bytes))
            case .fileEnd(let index, let rule):
                add(rule.validate(files[index], fields, false))
            case .fileBytes, .field:
                continue
            case .end:
                add(completeBodyProblems())
                break reading
            }
        }
        return .validation(found)
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
                    // The body stopped before its closing boundary: not a form that ended early.
                    throw MultipartUpload.truncatedBody
                }
                return try parser.next()
            }
            bodyBytes += buffer.readableBytes
            parser.append(buffer)
        }
    }

    private mutating func handle(_ event: MultipartEvent) throws -> Item? {
        switch event {
        case .head(let head):
            let name = head.name ?? ""
            if let rule = policy.rule(for: name) {
                return .fileStart(
                    UploadedFile(fieldName: name, rule: rule.name, filename: head.filename, contentType: head.contentType, bytes: 0),
                    rule
                )
            }
            if head.filename != nil {
                let accepted = policy.files.flatMap { [$0.name] + $0.aliases }.map { "\"\($0)\"" }
                throw GatewayError.validation([
                    ValidationProblem(
                        parameter: name.isEmpty ? "body" : name,
                        message: "\(name.isEmpty ? "A file part without a name" : "The file part \"\(name)\"") is not accepted here",
                        hint: "Send files as the form parts \(Wording.orList(accepted)) only."
                    )
                ])
            }
            guard fields.pairs.count < policy.maxFields else {
                throw GatewayError.validation([
                    ValidationProblem(
                        parameter: name.isEmpty ? "body" : name,
                        message: "Too many form fields (more than \(policy.maxFields))",
                        hint: "Send only the documented fields."
                    )
                ])
            }
            field = (name, ByteBuffer())
            return nil
        case .body(var buffer):
            if let current, field == nil {
                let count = files[current.index].head.count
                if count < UploadedFile.headLimit {
                    files[current.index].head += buffer.readableBytesView.prefix(UploadedFile.headLimit - count)
                }
                files[current.index].bytes += buffer.readableBytes
                if files[current.index].bytes > limit { throw current.rule.limit(fields).error }
                return .fileBytes(buffer)
            }
            if var part = field {
                guard part.bytes.readableBytes + buffer.readableBytes <= policy.maxFieldBytes else {
                    throw GatewayError.validation([
                        ValidationProblem(
                            parameter: part.name,
                            message: "\(part.name) is longer than \(policy.maxFieldBytes) bytes",
                            hint: "Form fields carry short values; send the data itself as a file part."
                        )
                    ])
                }
                part.bytes.writeBuffer(&buffer)
                field = part
            }
            return nil
        case .partEnd:
            if let part = field {
                field = nil
                let value = String(buffer: part.bytes)
                fields.append(name: part.name, value: value)
                return .field(name: part.name, value: value)
            }
            if let ended = current {
                current = nil
                files[ended.index].complete = true
                return .fileEnd(index: ended.index, rule: ended.rule)
            }
            return nil
        case .end:
            return .end
        }
    }
}
