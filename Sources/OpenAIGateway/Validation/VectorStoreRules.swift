import OpenAIClient

/// The Vector Stores API's request rules (seed-behavior §2.8, with the spec's limits): ids, chunking
/// strategies, metadata, attributes, expiry, and the bodies of every route. Each problem names its
/// JSON path and says what to send instead. Unknown body members are forwarded (the upstream has the
/// last word on them), as for every other JSON body of the gateway.
enum VectorStoreRules {
    // MARK: - Ids

    /// The kinds of id a vector-store route takes in its path.
    enum IDKind: Sendable {
        case store, file, batch

        var prefix: String {
            switch self {
            case .store: "vs_"
            case .file: "file-"
            case .batch: "vsfb_"
            }
        }

        var noun: String {
            switch self {
            case .store: "Vector store ID"
            case .file: "File ID"
            case .batch: "File batch ID"
            }
        }

        var example: String {
            switch self {
            case .store: "vs_abc123"
            case .file: "file-abc123"
            case .batch: "vsfb_abc123"
            }
        }
    }

    /// A problem when `id` is not an id of `kind` (its prefix followed by an identifier).
    static func idProblem(_ id: String, kind: IDKind, parameter: String) -> ValidationProblem? {
        let body = id.dropFirst(kind.prefix.count)
        if id.hasPrefix(kind.prefix), !body.isEmpty, body.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            return nil
        }
        let others: [IDKind] = [.store, .file, .batch].filter { $0.prefix != kind.prefix }
        let mixUp = others.first { id.hasPrefix($0.prefix) }.map { " \"\(id)\" looks like a \($0.noun.lowercased())." } ?? ""
        return ValidationProblem(
            parameter: parameter,
            message: "\(kind.noun) must be a string starting with \"\(kind.prefix)\" followed by an identifier. Received: \"\(id)\"",
            hint: "Use the id OpenAI returned, e.g. \(kind.example).\(mixUp)"
        )
    }

    /// Checks path ids before any upstream call; a wrong one is a 400, not an upstream 404.
    static func checkIDs(_ ids: [(id: String, kind: IDKind, parameter: String)]) throws(GatewayError) {
        let problems = ids.compactMap { idProblem($0.id, kind: $0.kind, parameter: $0.parameter) }
        if !problems.isEmpty { throw GatewayError.validation(problems) }
    }

    // MARK: - Bodies

    /// `POST /api/vector-stores`: `name`, `description`, `file_ids` (≤ 500), `chunking_strategy`, `expires_after`, `metadata`.
    static func create(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        rules.string("name")
        rules.string("description")
        fileIDs(&rules, "file_ids", maxCount: 500, nonEmpty: false)
        chunkingStrategy(&rules, "chunking_strategy")
        expiresAfter(&rules)
        rules.metadata()
        return rules.problems
    }

    /// `PATCH /api/vector-stores/:id`: `name`, `expires_after`, `metadata`, each may be `null` (which clears it).
    static func update(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        rules.string("name")
        expiresAfter(&rules)
        rules.metadata()
        return rules.problems
    }

    /// `POST /api/vector-stores/:id/files`: `file_id` (required), `attributes`, `chunking_strategy`.
    static func addFile(_ body: JSONObject, path: String = "") -> [ValidationProblem] {
        var rules = FieldValidator(body, path: path)
        fileID(&rules, "file_id", required: true)
        attributes(&rules, "attributes")
        chunkingStrategy(&rules, "chunking_strategy")
        return rules.problems
    }

    /// `PATCH /api/vector-stores/:id/files/:fileId`: `attributes` (required; `null` clears them).
    static func updateFile(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        if body["attributes"] == nil {
            rules.fail(
                "attributes",
                "attributes is required",
                hint: "Send {\"attributes\": {\"key\": \"value\"}} (up to 16 keys), or {\"attributes\": null} to clear them."
            )
        }
        attributes(&rules, "attributes")
        return rules.problems
    }

    /// `POST /api/vector-stores/:id/file-batches`: `file_ids` or `files[]` (one of them, 1 to 2000
    /// entries), with `attributes` and `chunking_strategy` for `file_ids`, per file for `files`.
    static func createBatch(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        let hasIDs = body["file_ids"].map { !$0.isNull } ?? false
        let hasFiles = body["files"].map { !$0.isNull } ?? false
        switch (hasIDs, hasFiles) {
        case (false, false):
            rules.fail(
                "file_ids",
                "file_ids or files is required",
                hint: "Send \"file_ids\": [\"file-abc\", ...], or \"files\": [{\"file_id\": \"file-abc\", \"attributes\": {...}}, ...] "
                    + "for per-file attributes and chunking."
            )
        case (true, true):
            rules.fail(
                "files",
                "file_ids and files are mutually exclusive",
                hint: "Send either file_ids (with batch-wide attributes and chunking_strategy) or files (each with its own)."
            )
        default: break
        }
        fileIDs(&rules, "file_ids", maxCount: 2000, nonEmpty: true)
        if let files = rules.array("files", nonEmpty: true, maxCount: 2000) {
            for (index, file) in files.enumerated() {
                let path = FieldValidator.path(rules.path(of: "files"), index: index)
                guard let object = file.objectValue else {
                    rules.fail(parameter: path, "\(path) must be an object", hint: "Each entry of files is {\"file_id\": \"file-...\", ...}.")
                    continue
                }
                rules.problems += addFile(object, path: path)
            }
        }
        attributes(&rules, "attributes")
        chunkingStrategy(&rules, "chunking_strategy")
        return rules.problems
    }

    // MARK: - Members

    /// An array of `file-…` ids.
    static func fileIDs(_ rules: inout FieldValidator, _ key: String, maxCount: Int, nonEmpty: Bool) {
        guard let ids = rules.array(key, nonEmpty: nonEmpty, maxCount: maxCount) else { return }
        let base = rules.path(of: key)
        for (index, id) in ids.enumerated() where !isFileID(id) {
            rules.fail(
                parameter: FieldValidator.path(base, index: index),
                "Each file_id must start with \"file-\"",
                hint: "Upload the file first (POST /api/files) and use the id it returns, e.g. \"file-abc123\"\(given(id))."
            )
        }
    }

    /// One `file-…` id.
    static func fileID(_ rules: inout FieldValidator, _ key: String, required: Bool) {
        guard let value = rules.object[key], !value.isNull else {
            if required {
                rules.fail(key, "\(rules.path(of: key)) is required", hint: "Send the id of an uploaded file, e.g. \"\(key)\": \"file-abc123\".")
            }
            return
        }
        if !isFileID(value) {
            rules.fail(
                key,
                "\(rules.path(of: key)) must start with \"file-\"",
                hint: "Upload the file first (POST /api/files) and use the id it returns, e.g. \"file-abc123\"\(given(value))."
            )
        }
    }

    private static func isFileID(_ value: JSONValue) -> Bool {
        guard let id = value.stringValue else { return false }
        return id.hasPrefix("file-") && id.count > 5
    }

    private static func given(_ value: JSONValue) -> String {
        " (got \(value.stringValue.map { "\"\($0.prefix(40))\"" } ?? value.typeName))"
    }

    static let chunkingHint =
        "Use {\"type\": \"auto\"} alone, or {\"type\": \"static\", \"static\": {\"max_chunk_size_tokens\": 800, \"chunk_overlap_tokens\": 400}} "
        + "with max_chunk_size_tokens 100-4096 and chunk_overlap_tokens at most half of it."

    /// `{type: "auto"}` with no other key, or `{type: "static", static: {max_chunk_size_tokens 100...4096, chunk_overlap_tokens 0...max/2}}`.
    static func chunkingStrategy(_ rules: inout FieldValidator, _ key: String) {
        guard let strategy = rules.object(key, hint: chunkingHint) else { return }
        let base = rules.path(of: key)
        func fail(_ path: String, _ detail: String) {
            rules.fail(parameter: path, "Invalid chunking strategy configuration: \(detail)", hint: chunkingHint)
        }
        switch strategy["type"] {
        case .string("auto"):
            let extra = strategy.keys.filter { $0 != "type" }
            if !extra.isEmpty {
                fail(FieldValidator.path(base, key: extra[0]), "type \"auto\" takes no other keys (got \(extra.joined(separator: ", ")))")
            }
        case .string("static"):
            let staticPath = FieldValidator.path(base, key: "static")
            guard let settings = strategy["static"]?.objectValue else {
                fail(staticPath, "type \"static\" needs a \"static\" object with max_chunk_size_tokens and chunk_overlap_tokens")
                return
            }
            let sizePath = FieldValidator.path(staticPath, key: "max_chunk_size_tokens")
            let overlapPath = FieldValidator.path(staticPath, key: "chunk_overlap_tokens")
            let size = settings["max_chunk_size_tokens"]?.intValue
            let overlap = settings["chunk_overlap_tokens"]?.intValue
            if let size {
                if !(100...4096).contains(size) { fail(sizePath, "max_chunk_size_tokens must be an integer between 100 and 4096 (got \(size))") }
            } else {
                fail(sizePath, "max_chunk_size_tokens must be an integer between 100 and 4096")
            }
            if let overlap {
                if overlap < 0 {
                    fail(overlapPath, "chunk_overlap_tokens must not be negative (got \(overlap))")
                } else if let size, overlap > size / 2 {
                    fail(overlapPath, "chunk_overlap_tokens must not exceed max_chunk_size_tokens / 2 = \(size / 2) (got \(overlap))")
                }
            } else {
                fail(overlapPath, "chunk_overlap_tokens must be an integer")
            }
        case .string(let other):
            fail(FieldValidator.path(base, key: "type"), "type must be \"auto\" or \"static\" (got \"\(other)\")")
        default:
            fail(FieldValidator.path(base, key: "type"), "type must be \"auto\" or \"static\"")
        }
    }

    /// `expires_after: {anchor: "last_active_at", days: 1...365}` (the reference app rejected every
    /// value here, seed-behavior §2.9 item 1; fixed).
    static func expiresAfter(_ rules: inout FieldValidator) {
        let hint = "Send {\"anchor\": \"last_active_at\", \"days\": 7}: the store expires that many days (1-365) after its last use."
        rules.nested("expires_after", hint: hint) { nested in
            nested.oneOf(
                "anchor",
                values: ["last_active_at"],
                required: true,
                message: "expires_after.anchor must be \"last_active_at\"",
                hint: hint
            )
            nested.integer("days", required: true, min: 1, max: 365, hint: hint)
        }
    }

    /// File attributes: at most 16 keys of up to 64 characters; values strings (≤ 512), numbers or booleans. `null` is allowed.
    static func attributes(_ rules: inout FieldValidator, _ key: String) {
        let hint =
            "Send attributes as an object of up to 16 string (up to 512 characters), number or boolean values, e.g. {\"author\": \"Ada\", \"year\": 2024}."
        guard let attributes = rules.object(key, hint: hint) else { return }
        let base = rules.path(of: key)
        if attributes.count > 16 {
            rules.fail(
                key,
                "\(base) must have at most 16 keys",
                hint: "Remove \(attributes.count - 16) of the \(attributes.count) keys; OpenAI accepts 16."
            )
        }
        for (name, value) in attributes {
            let path = FieldValidator.path(base, key: name)
            if name.count > 64 {
                rules.fail(
                    parameter: path,
                    "\(base) keys must be at most 64 characters",
                    hint: "Shorten the key (\(name.count) characters) to 64 or fewer."
                )
            }
            switch value {
            case .string(let text) where text.count > 512:
                rules.fail(
                    parameter: path,
                    "\(path) must be at most 512 characters",
                    hint: "Shorten the value (\(text.count) characters) to 512 or fewer."
                )
            case .string, .int, .double, .bool:
                break
            default:
                rules.fail(parameter: path, "\(path) must be a string, a number or a boolean", hint: hint)
            }
        }
    }
}
