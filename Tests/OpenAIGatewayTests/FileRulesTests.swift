import Testing

@testable import OpenAIGateway

/// The Files API rules without HTTP: purposes and hints, expiry, types, sizes, list query, download headers.
@Suite("File rules")
struct FileRulesTests {
    private func fields(_ pairs: [(String, String)]) -> FormFields {
        var fields = FormFields()
        for (name, value) in pairs { fields.append(name: name, value: value) }
        return fields
    }

    @Test("every purpose of the enum is valid; missing is an error only when required")
    func validPurposes() {
        for purpose in ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"] {
            #expect(FileRules.purposeProblem(purpose, required: true) == nil)
        }
        #expect(FileRules.purposeProblem(nil, required: false) == nil)
        let missing = FileRules.purposeProblem(nil, required: true)
        #expect(missing?.parameter == "purpose")
        #expect(missing?.message == "purpose is required")
        #expect(missing?.hint?.contains("-F purpose=user_data") == true)
    }

    @Test(
        "purpose typos get a did-you-mean hint",
        arguments: [
            ("assistant", "assistants"), ("asistants", "assistants"), ("assitants", "assistants"), ("document", "assistants"),
            ("finetune", "fine-tune"), ("fine tune", "fine-tune"), ("finetuning", "fine-tune"), ("userdata", "user_data"),
            ("user data", "user_data"), ("image", "vision"), ("eval", "evals"), ("Vision", "vision"), ("batchh", "batch"),
            ("visoin", "vision"),
        ]
    )
    func typoHints(typo: String, meant: String) throws {
        let problem = try #require(FileRules.purposeProblem(typo, required: true))
        #expect(problem.parameter == "purpose")
        #expect(problem.hint?.hasPrefix("Did you mean \"\(meant)\"?") == true)
    }

    @Test("an unrelated purpose gets the guide without a suggestion")
    func unrelatedPurpose() throws {
        let problem = try #require(FileRules.purposeProblem("spreadsheet-of-things", required: true))
        #expect(problem.hint?.contains("Did you mean") == false)
        #expect(problem.hint?.contains("user_data") == true)
    }

    @Test("edit distance")
    func editDistance() {
        #expect(Wording.editDistance("kitten", "sitting") == 3)
        #expect(Wording.editDistance("", "abc") == 3)
        #expect(Wording.editDistance("same", "same") == 0)
    }

    @Test("expires_after[seconds] is parsed from a form string, bounds inclusive")
    func expirySeconds() {
        #expect(FileRules.expirySeconds("3600") == .valid(3600))
        #expect(FileRules.expirySeconds(" 2592000 ") == .valid(2_592_000))
        #expect(FileRules.expirySeconds("86400.0") == .valid(86400))
        guard case .invalid(let low) = FileRules.expirySeconds("3599") else {
            Issue.record("3599 accepted")
            return
        }
        #expect(low.message == "expires_after[seconds] must be at least 3600 (1 hour)")
        guard case .invalid(let high) = FileRules.expirySeconds("2592001") else {
            Issue.record("2592001 accepted")
            return
        }
        #expect(high.message == "expires_after[seconds] must be at most 2592000 (30 days)")
        for bad in ["abc", "", "1e400", "3600.5", "NaN"] {
            guard case .invalid(let problem) = FileRules.expirySeconds(bad) else {
                Issue.record("\(bad) accepted")
                continue
            }
            #expect(problem.parameter == "expires_after[seconds]")
            #expect(problem.hint?.contains("86400") == true)
        }
    }

    @Test("upload fields: anchor, pairing, unknown and repeated fields")
    func uploadFields() {
        #expect(FileRules.fieldProblems(fields([("purpose", "batch")]), complete: true).isEmpty)
        #expect(
            FileRules.fieldProblems(
                fields([("purpose", "batch"), ("expires_after[anchor]", "created_at"), ("expires_after[seconds]", "7200")]),
                complete: true
            ).isEmpty
        )
        let anchor = FileRules.fieldProblems(
            fields([("purpose", "batch"), ("expires_after[anchor]", "last_active_at"), ("expires_after[seconds]", "7200")]),
            complete: true
        )
        #expect(anchor.map(\.parameter) == ["expires_after[anchor]"])
        #expect(anchor.first?.message == "expires_after[anchor] must be \"created_at\"")
        // Only one of the pair: wrong once the body is complete, not before (the other may follow the file).
        let lone = fields([("purpose", "batch"), ("expires_after[seconds]", "7200")])
        #expect(FileRules.fieldProblems(lone, complete: false).isEmpty)
        #expect(FileRules.fieldProblems(lone, complete: true).map(\.parameter) == ["expires_after[anchor]"])
        let loneAnchor = fields([("purpose", "batch"), ("expires_after[anchor]", "created_at")])
        #expect(FileRules.fieldProblems(loneAnchor, complete: true).map(\.parameter) == ["expires_after[seconds]"])
        // Purpose is required only at the end.
        #expect(FileRules.fieldProblems(fields([]), complete: false).isEmpty)
        #expect(FileRules.fieldProblems(fields([]), complete: true).map(\.parameter) == ["purpose"])
        let unknown = FileRules.fieldProblems(fields([("purpose", "batch"), ("purpse", "x")]), complete: true)
        #expect(unknown.map(\.message) == ["property purpse should not exist"])
        #expect(unknown.first?.hint?.contains("Did you mean \"purpose\"?") == true)
        let dotted = FileRules.fieldProblems(fields([("purpose", "batch"), ("expires_after.seconds", "3600")]), complete: true)
        #expect(dotted.first?.hint?.contains("expires_after[seconds]") == true)
        let repeated = FileRules.fieldProblems(fields([("purpose", "batch"), ("purpose", "vision")]), complete: true)
        #expect(repeated.map(\.parameter) == ["purpose"])
    }

    @Test("upstream fields: seconds normalised, unknown dropped")
    func upstreamFields() {
        #expect(FileRules.upstreamField(name: "expires_after[seconds]", value: " 7200.0 ")?.value == "7200")
        #expect(FileRules.upstreamField(name: "purpose", value: "batch")?.value == "batch")
        #expect(FileRules.upstreamField(name: "other", value: "x") == nil)
    }

    @Test("file types by purpose: extension or MIME, case-insensitive")
    func fileTypes() {
        #expect(FileRules.typeProblem(filename: "data.JSONL", contentType: nil, purpose: "batch") == nil)
        #expect(FileRules.typeProblem(filename: "data", contentType: "application/jsonl", purpose: "fine-tune") == nil)
        #expect(FileRules.typeProblem(filename: "photo.JPG", contentType: "application/octet-stream", purpose: "vision") == nil)
        #expect(FileRules.typeProblem(filename: "notes.md", contentType: "text/markdown", purpose: "assistants") == nil)
        #expect(FileRules.typeProblem(filename: "sheet.xlsx", contentType: nil, purpose: "user_data") == nil)
        #expect(FileRules.typeProblem(filename: "blob.bin", contentType: "application/octet-stream", purpose: "user_data") == nil)
        #expect(FileRules.typeProblem(filename: "sheet.xlsx", contentType: nil, purpose: "assistants") != nil)
        #expect(FileRules.typeProblem(filename: "blob.bin", contentType: "application/octet-stream", purpose: "assistants") != nil)

        let json = FileRules.typeProblem(filename: "train.json", contentType: "application/json", purpose: "fine-tune")
        #expect(json?.parameter == "file")
        #expect(json?.message == "File type \"application/json\" is not allowed for purpose \"fine-tune\".")
        #expect(json?.hint?.hasPrefix("Did you mean JSONL?") == true)
        let pdf = FileRules.typeProblem(filename: "doc.pdf", contentType: "application/pdf", purpose: "vision")
        #expect(pdf?.hint?.contains("PDFs cannot be uploaded for vision") == true)
        let image = FileRules.typeProblem(filename: "cat.png", contentType: "image/png", purpose: "batch")
        #expect(image?.hint?.contains("purpose \"vision\"") == true)
    }

    @Test("an empty file is refused only once the whole file was read")
    func emptyFile() {
        let file = UploadedFile(fieldName: "file", filename: "a.txt", contentType: "text/plain", bytes: 0)
        let purpose = fields([("purpose", "assistants")])
        #expect(FileRules.fileProblems(file, fields: purpose, complete: false).isEmpty)
        #expect(FileRules.fileProblems(file, fields: purpose, complete: true).map(\.message) == ["file must not be empty (0 bytes)"])
    }

    @Test("size limits and the 413 message")
    func sizes() {
        #expect(FileRules.sizeLimit(purpose: "vision") == 20_971_520)
        #expect(FileRules.sizeLimit(purpose: "batch") == 209_715_200)
        #expect(FileRules.sizeLimit(purpose: "assistants") == 536_870_912)
        #expect(FileRules.sizeLimit(purpose: nil) == 536_870_912)
        let error = FileRules.sizeError(purpose: "vision", size: 26_214_400)
        #expect(error.status == .contentTooLarge)
        #expect(error.parameter == "file")
        #expect(error.errorCode == "file_too_large")
        #expect(error.message == "File size (25.00 MB) exceeds maximum for purpose \"vision\". Maximum allowed: 20 MB (20,971,520 bytes).")
        #expect(error.hint?.isEmpty == false)
        #expect(FileRules.sizeError(purpose: "batch", size: nil).message.contains("more than 200.00 MB"))
        #expect(FileRules.withCommas(536_870_912) == "536,870,912")
        #expect(FileRules.withCommas(999) == "999")
        #expect(FileRules.megabytes(1_572_864) == "1.50")
    }

    @Test("list query: defaults, bounds, enum, unknown keys")
    func listQuery() throws {
        func files(_ parameters: [(name: String, value: String)]) throws(GatewayError) -> ListQuery {
            try ListQuery(path: "/api/files", parameters: parameters, rules: FileRules.listRules)
        }
        let defaults = try files([])
        #expect(defaults.upstream.map(\.name) == ["order"])
        #expect(defaults.upstream.first?.value == "desc")
        let full = try files([("purpose", "batch"), ("order", "asc"), ("limit", "10000"), ("after", "file-1")])
        #expect(full.upstream.map { "\($0.name)=\($0.value)" } == ["purpose=batch", "order=asc", "limit=10000", "after=file-1"])
        #expect(full.nextPath(after: "file-9") == "/api/files?after=file-9&limit=10000&order=asc&purpose=batch")
        let backwards = try ListQuery(
            path: "/api/items",
            parameters: [("before", "item_5"), ("limit", "2")],
            rules: ListQuery.Rules(endpoint: "GET /api/items", allowsBefore: true)
        )
        #expect(backwards.upstream.map { "\($0.name)=\($0.value)" } == ["order=desc", "limit=2", "before=item_5"])
        #expect(backwards.nextPath(before: "item_3") == "/api/items?before=item_3&limit=2&order=desc")
        for (query, parameter) in [
            ([("limit", "0")], "limit"), ([("limit", "10001")], "limit"), ([("limit", "abc")], "limit"), ([("order", "up")], "order"),
            ([("purpose", "images")], "purpose"), ([("page", "2")], "page"), ([("limit", "2"), ("limit", "3")], "limit"),
            ([("after", "")], "after"),
        ] as [([(String, String)], String)] {
            do {
                _ = try files(query.map { (name: $0.0, value: $0.1) })
                Issue.record("accepted \(query)")
            } catch {
                #expect(error.status == .badRequest)
                #expect(error.parameter == parameter)
                #expect(error.hint?.isEmpty == false)
            }
        }
    }

    @Test("content type by extension, case-insensitive")
    func contentTypes() {
        #expect(ContentDisposition.contentType(forFilename: "a.PDF") == "application/pdf")
        #expect(ContentDisposition.contentType(forFilename: "data.jsonl") == "application/jsonl")
        #expect(ContentDisposition.contentType(forFilename: "main.cpp") == "text/x-c++")
        #expect(ContentDisposition.contentType(forFilename: "archive.tar.gz") == "application/octet-stream")
        #expect(ContentDisposition.contentType(forFilename: "README") == "application/octet-stream")
        #expect(ContentDisposition.contentType(forFilename: ".hidden") == "application/octet-stream")
        #expect(ContentDisposition.contentType(forFilename: "a.mp3", extra: ["mp3": "audio/mpeg"]) == "audio/mpeg")
    }

    @Test("Content-Disposition cannot inject headers and keeps the exact name in filename*")
    func contentDisposition() {
        let value = ContentDisposition.attachment(filename: "rés\"umé\r\n.pdf")
        #expect(value == "attachment; filename=\"r_s_um_.pdf\"; filename*=UTF-8''r%C3%A9s%22um%C3%A9.pdf")
        #expect(!value.contains("\r") && !value.contains("\n"))
        #expect(ContentDisposition.attachment(filename: "plain.txt") == "attachment; filename=\"plain.txt\"; filename*=UTF-8''plain.txt")
        #expect(ContentDisposition.attachment(filename: "a\\b/c.txt").hasPrefix("attachment; filename=\"a_b_c.txt\""))
        #expect(ContentDisposition.attachment(filename: "\r\n").hasPrefix("attachment; filename=\"download\""))
        #expect(ContentDisposition.attachment(filename: "x;y=z \u{0} .txt").contains("filename*=UTF-8''x%3By%3Dz%20%20.txt"))
    }
}
