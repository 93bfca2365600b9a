import Foundation
import Hummingbird
import OpenAIClient

/// The Files API rules (seed-behavior §2.7, §2.10 made real, §2.9 fixed): purposes with "did you mean"
/// hints, expiry fields as form strings, file types and size limits by purpose, and the list query.
enum FileRules {
    static let purposes = ["assistants", "vision", "batch", "fine-tune", "user_data", "evals"]
    /// The form fields `POST /api/files` accepts besides the file part.
    static let uploadFields = ["purpose", "expires_after[anchor]", "expires_after[seconds]"]
    static let anchorField = "expires_after[anchor]"
    static let secondsField = "expires_after[seconds]"
    static let secondsRange = 3600...2_592_000
    /// Largest file whatever the purpose: 512 MB.
    static let absoluteLimit = 536_870_912
    static let sizeLimits: [String: Int] = [
        "assistants": 536_870_912, "fine-tune": 536_870_912, "user_data": 536_870_912, "evals": 536_870_912,
        "vision": 20_971_520, "batch": 209_715_200,
    ]

    static var purposeList: String { purposes.map { "\"\($0)\"" }.joined(separator: ", ") }

    // MARK: - Purpose

    /// Common misspellings (seed §2.10) and near misses.
    static let purposeTypos: [String: String] = [
        "assistant": "assistants", "asistants": "assistants", "assitants": "assistants", "document": "assistants",
        "documents": "assistants", "file-search": "assistants", "file_search": "assistants",
        "finetune": "fine-tune", "fine tune": "fine-tune", "finetuning": "fine-tune", "fine-tuning": "fine-tune", "fine_tune": "fine-tune",
        "userdata": "user_data", "user data": "user_data", "user-data": "user_data",
        "image": "vision", "images": "vision",
        "eval": "evals",
    ]

    /// The purpose the client probably meant, or nil when nothing is close.
    static func suggestion(forPurpose value: String) -> String? {
        let key = value.trimmingCharacters(in: .whitespaces).lowercased()
        if let typo = purposeTypos[key] { return typo }
        if purposes.contains(key) { return key }  // only the case or surrounding spaces were wrong
        return Wording.nearest(to: key, among: purposes)
    }

    /// A problem with `purpose`, or nil when it is valid (or absent and not yet `required`).
    static func purposeProblem(_ value: String?, required: Bool) -> ValidationProblem? {
        let message = "purpose must be one of: \(purposeList)"
        let guide =
            "Use assistants (file search, code interpreter), vision (images), batch (Batch API input, .jsonl), "
            + "fine-tune (training data, .jsonl), user_data (any file used as model input) or evals (.jsonl eval data)."
        guard let value else {
            guard required else { return nil }
            return ValidationProblem(
                parameter: "purpose",
                message: "purpose is required",
                hint: "Send a purpose, e.g. -F purpose=user_data. " + guide
            )
        }
        if purposes.contains(value) { return nil }
        if let suggestion = suggestion(forPurpose: value) {
            return ValidationProblem(parameter: "purpose", message: message, hint: "Did you mean \"\(suggestion)\"? (got \"\(value)\") " + guide)
        }
        return ValidationProblem(parameter: "purpose", message: message, hint: "Got \"\(value)\". " + guide)
    }

    // MARK: - Upload fields

    /// Every problem with the text fields. With `complete == false` (the file part started, later fields
    /// may still come) the "required" checks wait.
    static func fieldProblems(_ fields: FormFields, complete: Bool) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        for name in Set(fields.names).sorted() where !uploadFields.contains(name) {
            problems.append(unknownField(name))
        }
        for name in uploadFields where fields.values(name).count > 1 {
            problems.append(
                ValidationProblem(
                    parameter: name,
                    message: "\(name) must be sent once (got \(fields.values(name).count) values)",
                    hint: "Send the \(name) form field a single time."
                )
            )
        }
        if let problem = purposeProblem(fields["purpose"], required: complete) { problems.append(problem) }
        let anchor = fields[anchorField]
        let seconds = fields[secondsField]
        if let anchor, anchor != "created_at" {
            problems.append(
                ValidationProblem(
                    parameter: anchorField,
                    message: "\(anchorField) must be \"created_at\"",
                    hint:
                        "created_at is the only anchor: -F \"expires_after[anchor]=created_at\" -F \"expires_after[seconds]=86400\" (got \"\(anchor)\")."
                )
            )
        }
        if let seconds, case .invalid(let problem) = expirySeconds(seconds) { problems.append(problem) }
        if complete {
            if anchor != nil, seconds == nil {
                problems.append(
                    ValidationProblem(
                        parameter: secondsField,
                        message: "\(secondsField) is required when \(anchorField) is set",
                        hint: "Send both fields, e.g. -F \"expires_after[anchor]=created_at\" -F \"expires_after[seconds]=86400\"."
                    )
                )
            } else if seconds != nil, anchor == nil {
                problems.append(
                    ValidationProblem(
                        parameter: anchorField,
                        message: "\(anchorField) is required when \(secondsField) is set",
                        hint: "Add -F \"expires_after[anchor]=created_at\" (the only anchor OpenAI supports)."
                    )
                )
            }
        }
        return problems
    }

    static func unknownField(_ name: String) -> ValidationProblem {
        let hint: String
        if name.hasPrefix("expires_after") {
            hint = "Send the expiry as two form fields: expires_after[anchor]=created_at and expires_after[seconds]=<3600..2592000>."
        } else if let close = (["file"] + uploadFields).first(where: { Wording.editDistance(name.lowercased(), $0) <= 2 }) {
            hint = "Did you mean \"\(close)\"? POST /api/files accepts file, purpose, expires_after[anchor] and expires_after[seconds]."
        } else {
            hint = "Remove it: POST /api/files accepts file, purpose, expires_after[anchor] and expires_after[seconds]."
        }
        return ValidationProblem(parameter: name, message: "property \(name) should not exist", hint: hint)
    }

    /// `expires_after[seconds]` as sent in a form: a numeric string, parsed (seed bug §2.9 fixed).
    enum ParsedSeconds: Equatable {
        case valid(Int)
        case invalid(ValidationProblem)
    }

    static func expirySeconds(_ raw: String) -> ParsedSeconds {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let range = "between 3600 (1 hour) and 2592000 (30 days)"
        let number = Int(text) ?? Double(text).flatMap { $0.isFinite && $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) : nil }
        guard let number else {
            return .invalid(
                ValidationProblem(
                    parameter: secondsField,
                    message: "\(secondsField) must be an integer number",
                    hint: "Send a whole number of seconds \(range), e.g. -F \"expires_after[seconds]=86400\" for one day (got \"\(raw)\")."
                )
            )
        }
        if number < secondsRange.lowerBound {
            return .invalid(
                ValidationProblem(
                    parameter: secondsField,
                    message: "\(secondsField) must be at least 3600 (1 hour)",
                    hint: "Use a value \(range) (got \(number))."
                )
            )
        }
        if number > secondsRange.upperBound {
            return .invalid(
                ValidationProblem(
                    parameter: secondsField,
                    message: "\(secondsField) must be at most 2592000 (30 days)",
                    hint: "Use a value \(range) (got \(number))."
                )
            )
        }
        return .valid(number)
    }

    /// How a validated field goes upstream: numbers normalised (`" 3600.0"` → `3600`).
    static func upstreamField(name: String, value: String) -> (name: String, value: String)? {
        guard uploadFields.contains(name) else { return nil }
        if name == secondsField, case .valid(let seconds) = expirySeconds(value) { return (name, String(seconds)) }
        return (name, value)
    }

    /// The purpose from the fields when it is valid.
    static func validPurpose(_ fields: FormFields) -> String? {
        fields["purpose"].flatMap { purposes.contains($0) ? $0 : nil }
    }
}

// MARK: - File type and size

extension FileRules {
    static let documentExtensions = ["pdf", "txt", "md", "html", "docx", "js", "ts", "py", "java", "c", "cpp", "json", "jsonl", "csv", "xml"]
    static let imageExtensions = ["png", "jpeg", "jpg", "gif", "webp"]

    /// Allowed extensions and media types of a purpose (seed §2.10).
    static func allowedTypes(purpose: String) -> (extensions: [String], mediaTypes: Set<String>) {
        func types(_ extensions: [String]) -> Set<String> { Set(extensions.compactMap { ContentDisposition.mediaTypes[$0] }) }
        switch purpose {
        case "vision":
            return (imageExtensions, types(imageExtensions))
        case "batch", "fine-tune", "evals":
            return (["jsonl"], ["application/jsonl"])
        case "user_data":
            let extensions = documentExtensions + ["xls", "xlsx"]
            return (
                extensions,
                types(documentExtensions).union([
                    "text/xml", "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/octet-stream",
                ])
            )
        default:
            return (documentExtensions, types(documentExtensions).union(["text/xml"]))
        }
    }

    /// Problems with the file part for the purpose in `fields` (none while the purpose is unknown).
    /// - Parameter complete: the whole file was read, so its size is final (an empty file is refused).
    static func fileProblems(_ file: UploadedFile, fields: FormFields, complete: Bool) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        if complete, file.bytes == 0 {
            problems.append(
                ValidationProblem(
                    parameter: "file",
                    message: "file must not be empty (0 bytes)",
                    hint: "The uploaded file has no content. Check the path you attached (curl -F file=@path needs the @)."
                )
            )
        }
        if let purpose = validPurpose(fields), let problem = typeProblem(filename: file.filename, contentType: file.contentType, purpose: purpose) {
            problems.append(problem)
        }
        return problems
    }

    /// A problem when the file's extension or media type (case-insensitive) is not allowed for `purpose`.
    static func typeProblem(filename: String?, contentType: String?, purpose: String) -> ValidationProblem? {
        let allowed = allowedTypes(purpose: purpose)
        let ext = filename.flatMap(ContentDisposition.fileExtension(of:))
        let declared = contentType.map { $0.split(separator: ";").first.map(String.init) ?? $0 }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let ext, allowed.extensions.contains(ext) { return nil }
        if let declared, allowed.mediaTypes.contains(declared) { return nil }
        let shown = ext.map { ContentDisposition.mediaTypes[$0] ?? ".\($0)" } ?? declared ?? "unknown"
        let name = filename ?? "(no filename)"
        let list = allowed.extensions.map { ".\($0)" }.joined(separator: ", ")
        var hint: String
        if ["batch", "fine-tune", "evals"].contains(purpose), ext == "json" || declared == "application/json" {
            hint =
                "Did you mean JSONL? \(purpose) files must be JSON Lines (.jsonl): one JSON object per line, no surrounding array. Convert \(name) and upload it as .jsonl."
        } else if purpose == "vision", ext == "pdf" {
            hint =
                "PDFs cannot be uploaded for vision: convert the pages to PNG or JPEG, or upload the PDF with purpose \"user_data\" or \"assistants\"."
        } else if purpose != "vision", let ext, imageExtensions.contains(ext) {
            hint = "Images go with purpose \"vision\" (.png, .jpeg, .jpg, .gif, .webp). Allowed for \"\(purpose)\": \(list) (got \(name))."
        } else if ext == nil {
            hint = "Give the file a name with one of these extensions: \(list) (got \(name))."
        } else {
            hint = "Allowed for \"\(purpose)\": \(list) (got \(name))."
        }
        if purpose == "assistants", ext.map({ !imageExtensions.contains($0) }) ?? true {
            hint += " For other file types, purpose \"user_data\" also accepts .xls, .xlsx and application/octet-stream."
        }
        return ValidationProblem(parameter: "file", message: "File type \"\(shown)\" is not allowed for purpose \"\(purpose)\".", hint: hint)
    }

    /// The size limit for a purpose (the absolute one when the purpose is not known yet).
    static func sizeLimit(purpose: String?) -> Int {
        purpose.flatMap { sizeLimits[$0] } ?? absoluteLimit
    }

    /// The 413 for a file over its purpose's limit. `size` is the file's size when known (the request's
    /// Content-Length is a close upper bound); otherwise the message says "more than" the limit.
    static func sizeError(purpose: String?, size: Int?) -> GatewayError {
        let limit = sizeLimit(purpose: purpose)
        let shown = size.map { "\(megabytes($0)) MB" } ?? "more than \(megabytes(limit)) MB"
        let maximum = "Maximum allowed: \(limit / 1_048_576) MB (\(withCommas(limit)) bytes)."
        let message: String
        let hint: String
        switch purpose {
        case "vision"?:
            message = "File size (\(shown)) exceeds maximum for purpose \"vision\". \(maximum)"
            hint = "Images for vision are limited to 20 MB: compress the image or lower its resolution."
        case "batch"?:
            message = "File size (\(shown)) exceeds maximum for purpose \"batch\". \(maximum)"
            hint = "Split the batch input into several .jsonl files of at most 200 MB and run one batch per file."
        case let purpose?:
            message = "File size (\(shown)) exceeds maximum for purpose \"\(purpose)\". \(maximum)"
            hint = "Files are limited to 512 MB: split or compress the file."
        case nil:
            message = "File size (\(shown)) exceeds the maximum upload size. \(maximum)"
            hint = "Files are limited to 512 MB (less for vision and batch): split or compress the file."
        }
        return GatewayError(status: .contentTooLarge, message: message, errorCode: "file_too_large", parameter: "file", hint: hint)
    }

    /// `25.00`: bytes in MiB with two decimals, as the seed prints them.
    static func megabytes(_ bytes: Int) -> String {
        // In Double: `bytes` can be a client's Content-Length, as large as Int allows.
        let hundredths = Int(min((Double(bytes) * 100 / 1_048_576).rounded(), 1e15))
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `20,971,520`.
    static func withCommas(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

// MARK: - List query

extension FileRules {
    /// `GET /api/files`: `purpose` (checked like an upload's), `order` (`desc` unless given), `limit` 1-10000, `after`.
    static let listRules = ListQuery.Rules(
        endpoint: "GET /api/files",
        limit: 1...10_000,
        filters: [ListQuery.Filter(name: "purpose") { purposeProblem($0, required: false) }]
    )
}
