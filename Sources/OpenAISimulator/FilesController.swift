import Hummingbird
import NIOCore
import OpenAIClient
import _NIOFileSystem

/// The Files API: upload (multipart, streamed to disk), list, retrieve, delete and download.
struct FilesController: Sendable {
    let store: SimulatorFileStore

    static let purposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]
    /// Download chunk size: the body is read from disk piece by piece, never whole.
    static let chunkSize = 64 * 1024

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("files", use: create)
        group.get("files", use: list)
        group.get("files/:id", use: retrieve)
        group.delete("files/:id", use: delete)
        group.get("files/:id/content", use: content)
    }

    @Sendable func create(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let temporary = store.temporaryPath()
        let form = try await MultipartForm.read(request, fileDestination: temporary)
        do {
            guard let file = form.file else { throw SimulatorAPIError.missingParameter("file") }
            guard let purpose = form.value("purpose") else { throw SimulatorAPIError.missingParameter("purpose") }
            guard Self.purposes.contains(purpose) else {
                throw SimulatorAPIError.invalidValue(param: "purpose", got: purpose, allowed: Self.purposes)
            }
            let expiresAfter = try Self.expiry(form)
            let record = try await store.add(
                temporaryPath: temporary,
                id: SimulatorFileStore.makeID(),
                bytes: file.bytes,
                filename: file.filename,
                purpose: purpose,
                expiresAfter: expiresAfter
            )
            return SimulatorHTTP.json(record.json)
        } catch {
            await SimulatorFileStore.discard(temporary)
            throw error
        }
    }

    /// `expires_after[anchor]` (only `created_at`) and `expires_after[seconds]` (one hour to 30 days).
    static func expiry(_ form: MultipartForm) throws -> Int? {
        let anchor = form.value("expires_after[anchor]")
        let seconds = form.value("expires_after[seconds]")
        if anchor == nil, seconds == nil { return nil }
        guard let anchor else { throw SimulatorAPIError.missingParameter("expires_after[anchor]") }
        guard anchor == "created_at" else {
            throw SimulatorAPIError.invalidValue(param: "expires_after[anchor]", got: anchor, allowed: ["created_at"])
        }
        guard let seconds else { throw SimulatorAPIError.missingParameter("expires_after[seconds]") }
        guard let value = Int(seconds), (3600...2_592_000).contains(value) else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid 'expires_after[seconds]': expected an integer between 3600 and 2592000, but got '\(seconds)' instead.",
                param: "expires_after[seconds]",
                code: "invalid_value"
            )
        }
        return value
    }

    @Sendable func list(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var limit = 10_000
        if let raw = query.get("limit") {
            guard let value = Int(raw), (1...10_000).contains(value) else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid 'limit': expected an integer between 1 and 10000, but got '\(raw)' instead.",
                    param: "limit",
                    code: "invalid_value"
                )
            }
            limit = value
        }
        let order = query.get("order") ?? "desc"
        guard order == "asc" || order == "desc" else {
            throw SimulatorAPIError.invalidValue(param: "order", got: order, allowed: ["asc", "desc"])
        }
        var files = store.list(purpose: query.get("purpose"))
        if order == "asc" { files.reverse() }
        if let after = query.get("after") {
            guard let index = files.firstIndex(where: { $0.id == after }) else { throw SimulatorAPIError.fileNotFound(after) }
            files = Array(files[(index + 1)...])
        }
        let page = files.prefix(limit)
        let list: JSONValue = [
            "object": "list",
            "data": .array(page.map(\.json)),
            "first_id": .string(page.first?.id ?? ""),
            "last_id": .string(page.last?.id ?? ""),
            "has_more": .bool(files.count > limit),
        ]
        return SimulatorHTTP.json(list)
    }

    @Sendable func retrieve(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let record = store.record(id: id) else { throw SimulatorAPIError.fileNotFound(id) }
        return SimulatorHTTP.json(record.json)
    }

    @Sendable func delete(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard await store.delete(id: id) else { throw SimulatorAPIError.fileNotFound(id) }
        return SimulatorHTTP.json(["id": .string(id), "object": "file", "deleted": true])
    }

    @Sendable func content(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let record = store.record(id: id) else { throw SimulatorAPIError.fileNotFound(id) }
        guard record.purpose != "assistants" else {
            throw SimulatorAPIError.invalidRequest("Not allowed to download files of purpose: assistants", param: nil)
        }
        let path = store.path(id: id)
        let size = record.bytes
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream"],
            body: ResponseBody(contentLength: size) { writer in
                // Read on NIO's thread pool; a file shorter than recorded (deleted meanwhile) cuts the connection.
                try await SimulatorFileStore.read(path, size: size, chunkSize: Self.chunkSize, to: &writer)
                try await writer.finish(nil)
            }
        )
    }
}

extension SimulatorAPIError {
    static func fileNotFound(_ id: String) -> SimulatorAPIError {
        SimulatorAPIError(status: 404, message: "No such File object: \(id)", type: "invalid_request_error", param: "id", code: nil)
    }

    static func missingParameter(_ name: String) -> SimulatorAPIError {
        .invalidRequest("Missing required parameter: '\(name)'.", param: name, code: "missing_required_parameter")
    }

    static func invalidValue(param: String, got: String, allowed: [String]) -> SimulatorAPIError {
        let list = allowed.map { "'\($0)'" }.joined(separator: ", ")
        return .invalidRequest(
            "Invalid value: '\(got)'. Supported values are: \(list).",
            param: param,
            code: "invalid_value"
        )
    }
}

/// A `multipart/form-data` body read as it arrives: the `file` part goes to disk (or is only
/// counted), parts named in `countedFiles` are counted, hashed and sniffed, the other fields are
/// kept as text (at most ``fieldLimit`` bytes in all).
struct MultipartForm: Sendable {
    struct File: Sendable {
        var filename: String
        var contentType: String?
        var bytes: Int
        /// The part's name (`image[]`, `mask`, ...).
        var name: String = ""
        /// The first bytes (at most ``MultipartForm/prefixLength``), to tell a file's type.
        var prefix: [UInt8] = []
        /// FNV-1a of the bytes, so that the same upload gives the same simulated answer.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        /// The image format and dimensions its header announces (counted files only).
        var header = ImageHeader()
        /// The first bytes (at most ``MultipartForm/headLength``) of a `file` part that is only counted,
        /// for its audio duration.
        var head: [UInt8] = []
    }

    static let prefixLength = 16

    static let headLength = 64 * 1024

    static let fieldLimit = 1 << 20

    /// Text fields in arrival order; a repeated name (`timestamp_granularities[]`) appears once per value.
    var fields: [(name: String, value: String)] = []
    var file: File?
    /// The parts named in `countedFiles`, in arrival order (their bytes are not kept).
    var files: [File] = []

    /// The first value of a field.
    func value(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Reads the whole body without collecting it.
    ///
    /// - Parameters:
    ///   - fileField: the part streamed as the file; other parts with a filename are discarded.
    ///   - fileDestination: where the file's bytes go (written on NIO's thread pool); `nil` counts
    ///     and drops them. Nothing is left there on failure.
    ///   - countedFiles: names of file parts that are only counted, hashed and sniffed (see ``files``).
    static func read(
        _ request: Request,
        fileField: String = "file",
        fileDestination: String?,
        countedFiles: Set<String> = []
    ) async throws -> MultipartForm {
        guard let contentType = request.headers[.contentType],
            contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = MultipartParser.boundary(fromContentType: contentType)
        else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid Content-Type header (\(request.headers[.contentType] ?? "none")), expected multipart/form-data with a boundary.",
                param: nil
            )
        }
        var events = MultipartEvents(body: request.body.makeAsyncIterator(), parser: MultipartParser(boundary: boundary))
        var form = MultipartForm()
        var fieldBytes = 0
        do {
            while let event = try await events.next() {
                // Part handlers below consume each part up to its end, so only heads arrive here.
                guard case .head(let head) = event else { continue }
                if head.name == fileField, form.file == nil {
                    var file = File(filename: head.filename ?? fileField, contentType: head.contentType, bytes: 0)
                    if let fileDestination {
                        file.bytes = try await SimulatorFileStore.write(to: fileDestination) { try await events.nextBody() }
                    } else {
                        while let bytes = try await events.nextBody() {
                            file.bytes += bytes.readableBytes
                            if file.head.count < Self.headLength {
                                file.head += bytes.readableBytesView.prefix(Self.headLength - file.head.count)
                            }
                        }
                    }
                    form.file = file
                } else if let name = head.name, head.filename != nil, countedFiles.contains(name) {
                    var file = File(filename: head.filename ?? name, contentType: head.contentType, bytes: 0, name: name)
                    while let bytes = try await events.nextBody() {
                        file.bytes += bytes.readableBytes
                        bytes.withUnsafeReadableBytes { raw in
                            if file.prefix.count < Self.prefixLength { file.prefix += raw.prefix(Self.prefixLength - file.prefix.count) }
                            file.header.consume(raw)
                            for byte in raw {
                                file.hash ^= UInt64(byte)
                                file.hash = file.hash &* 0x100_0000_01b3
                            }
                        }
                    }
                    file.header.finish()
                    form.files.append(file)
                } else if head.filename != nil || head.name == nil {
                    while try await events.nextBody() != nil {}
                } else {
                    var value = ByteBuffer()
                    while var bytes = try await events.nextBody() {
                        fieldBytes += bytes.readableBytes
                        guard fieldBytes <= Self.fieldLimit else {
                            throw SimulatorAPIError(
                                status: 413,
                                message: "The form fields are larger than \(Self.fieldLimit) bytes.",
                                type: "invalid_request_error",
                                param: nil,
                                code: nil
                            )
                        }
                        value.writeBuffer(&bytes)
                    }
                    form.fields.append((head.name ?? "", String(buffer: value)))
                }
            }
        } catch {
            if let fileDestination { await SimulatorFileStore.discard(fileDestination) }
            switch error {
            case let error as MultipartError:
                throw SimulatorAPIError.invalidRequest("Could not parse multipart form: \(error.reason).", param: nil)
            case let error as FileSystemError:
                throw SimulatorAPIError(
                    status: 500,
                    message: "Could not store the upload: \(error.message)",
                    type: "server_error",
                    param: nil,
                    code: nil
                )
            default:
                throw error
            }
        }
        return form
    }
}

/// The multipart events of a request body, pulled as they are needed (the body is read only as
/// fast as its parts are consumed).
private struct MultipartEvents {
    var body: RequestBody.AsyncIterator
    var parser: MultipartParser
    var ended = false

    /// The next event; `nil` after the closing boundary and the end of the body.
    mutating func next() async throws -> MultipartEvent? {
        while true {
            if let event = try parser.next() { return event }
            if ended { return nil }
            if let chunk = try await body.next() {
                parser.append(chunk)
            } else {
                ended = true
                try parser.finish()
            }
        }
    }

    /// The next bytes of the current part's body; `nil` once the part has ended.
    mutating func nextBody() async throws -> ByteBuffer? {
        switch try await next() {
        case .body(let bytes)?: return bytes
        case .partEnd?, .end?, nil: return nil
        case .head?: throw MultipartError(reason: "a part started before the previous one ended")
        }
    }
}
