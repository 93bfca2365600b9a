import Foundation
import OpenAIClient

/// The body of `POST /api/responses/code-interpreter` (seed-behavior §1 row 9 and §2.2): the text route's
/// body plus `memory_limit` (`1g`, `4g`, `16g`, `64g`), `container_id` and, as JSON, `file_ids` (files
/// uploaded before). As a multipart form the same fields arrive as text (see ``body(fromForm:complete:)``)
/// with any number of `files` parts.
///
/// Unlike the reference app, which forwarded only `model`, `input`, `instructions`, `temperature` and
/// `max_output_tokens`, every field the text route forwards goes upstream here too, and `memory_limit` is
/// sent in the container.
enum CodeInterpreterRequest {
    /// The fields of this route on top of the text route's.
    static let routeFields = ["memory_limit", "container_id", "file_ids"]
    static let memoryLimits = ["1g", "4g", "16g", "64g"]
    /// Most files one container takes (the spec's `file_ids` `maxItems`).
    static let maxFiles = 50
    /// `include` when the client sends none: the code's outputs.
    static let defaultInclude: JSONValue = ["code_interpreter_call.outputs"]

    /// Form fields whose text is JSON (objects and arrays).
    static let jsonFields: Set = ["tools", "include", "metadata", "text", "reasoning", "prompt", "modalities", "stream_options", "file_ids"]
    /// Form fields whose text is JSON when it looks like an object or an array, and a plain string otherwise.
    static let maybeJSONFields: Set = ["input", "tool_choice", "conversation"]
    static let numberFields: Set = ["temperature", "top_p", "max_output_tokens", "max_tool_calls", "top_logprobs"]
    static let booleanFields: Set = ["stream", "store", "parallel_tool_calls", "background"]

    /// Every problem of `body`; `uploads` files were (or are being) uploaded with it.
    /// - Parameter complete: false while a form is still being read (a missing `input` may still come).
    static func validate(_ body: JSONValue, uploads: Int, complete: Bool = true) -> [ValidationProblem] {
        guard var object = body.objectValue else { return TextResponseRequest.validate(body) }
        if !complete, object["input"] == nil { object["input"] = "" }
        var rules = FieldValidator(object)
        // The route gives every code_interpreter tool its container, so one the client left out is not missing.
        if let tools = object["tools"]?.arrayValue {
            object["tools"] = .array(
                tools.map { tool in
                    guard var tool = tool.objectValue, tool["type"]?.stringValue == "code_interpreter", tool["container"] == nil else { return tool }
                    tool["container"] = ["type": "auto"]
                    return .object(tool)
                }
            )
        }
        var problems = TextResponseRequest.validate(.object(object))
        let memory = rules.oneOf(
            "memory_limit",
            values: memoryLimits,
            message: "memory_limit must be one of: \(memoryLimits.joined(separator: ", "))",
            hint: "Choose the container's memory: \(Wording.orList(memoryLimits.map { "\"\($0)\"" })) (the default is 1g)."
        )
        let container = rules.string("container_id", hint: "Pass the id of an existing container, e.g. \"cntr_...\".")
        if container?.isEmpty == true {
            rules.fail(
                "container_id",
                "container_id must be longer than or equal to 1 characters",
                hint: "Leave container_id out to create a new container."
            )
        }
        let fileIDs = fileIDProblems(&rules)
        if let container, !container.isEmpty {
            if memory != nil {
                rules.fail(
                    "memory_limit",
                    "memory_limit applies only to a new container, not to container_id",
                    hint: "Leave memory_limit out with an existing container_id, or leave container_id out to create a container with that memory."
                )
            }
            if fileIDs + uploads > 0 {
                rules.fail(
                    fileIDs > 0 ? "file_ids" : "files",
                    "Files can be attached only to a new container, not to container_id",
                    hint: "Leave container_id out so the files go into a new container, or upload them to the container with the Containers API."
                )
            }
        }
        if fileIDs + uploads > maxFiles {
            rules.fail(
                fileIDs > 0 ? "file_ids" : "files",
                "At most \(maxFiles) files can be attached to a container (got \(fileIDs + uploads))",
                hint: "Send at most \(maxFiles) files in all, as files parts and file_ids together."
            )
        }
        problems += rules.problems
        return problems
    }

    /// `file_ids`: an array of `file-...` ids. Returns how many there are.
    private static func fileIDProblems(_ rules: inout FieldValidator) -> Int {
        var count = 0
        rules.each("file_ids") { element, path, problems in
            count += 1
            guard let id = element.stringValue, id.hasPrefix("file-"), id.count > 5 else {
                problems.append(
                    ValidationProblem(
                        parameter: path,
                        message: "\(path) must be a file id starting with \"file-\"",
                        hint: "Upload the file with POST /api/files first, or send it as a files part of a multipart form."
                    )
                )
                return
            }
        }
        return count
    }

    /// The form's text fields as the JSON body (JSON text parsed, numbers and booleans read from their
    /// text), and the problems of fields whose text should be JSON and is not. A repeated field keeps its first value.
    static func body(fromForm fields: FormFields) -> (body: JSONObject, problems: [ValidationProblem]) {
        var object = JSONObject()
        var problems: [ValidationProblem] = []
        for name in fields.names where object[name] == nil {
            guard let text = fields[name] else { continue }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if jsonFields.contains(name) {
                guard let value = try? JSONValue(parsing: trimmed) else {
                    problems.append(
                        ValidationProblem(
                            parameter: name,
                            message: "\(name) must be JSON text",
                            hint: "Send \(name) as JSON in the form field, e.g. \(formExample(name))."
                        )
                    )
                    object[name] = .null
                    continue
                }
                object[name] = value
            } else if maybeJSONFields.contains(name), trimmed.hasPrefix("{") || trimmed.hasPrefix("["),
                let value = try? JSONValue(parsing: trimmed), value.objectValue != nil || value.arrayValue != nil
            {
                object[name] = value
            } else if numberFields.contains(name), let number = Int64(trimmed) {
                object[name] = .int(number)
            } else if numberFields.contains(name), let number = Double(trimmed), number.isFinite {
                object[name] = .double(number)
            } else if booleanFields.contains(name), ["true", "false"].contains(trimmed.lowercased()) {
                object[name] = .bool(trimmed.lowercased() == "true")
            } else {
                object[name] = .string(text)
            }
        }
        return (object, problems)
    }

    private static func formExample(_ name: String) -> String {
        switch name {
        case "tools": #"-F 'tools=[{"type": "code_interpreter"}]'"#
        case "include": #"-F 'include=["code_interpreter_call.outputs"]'"#
        case "modalities": #"-F 'modalities=["text"]'"#
        case "file_ids": #"-F 'file_ids=["file-abc123"]'"#
        default: "-F '\(name)={...}'"
        }
    }

    /// What goes to `POST /responses`: the text route's body (every field forwarded, the model defaulted,
    /// `stream` the route's), without this route's own fields, with `include` defaulted to the code's
    /// outputs, and every `code_interpreter` tool given the container: `container_id`, or
    /// `{type: "auto", file_ids, memory_limit}` with the uploaded files and `file_ids`. Without a
    /// `code_interpreter` tool, one is added.
    static func upstreamBody(_ body: JSONObject, uploadedFileIDs: [String], defaultModel: String, stream: Bool) -> JSONObject {
        var client = body
        for name in routeFields { client[name] = nil }
        var upstream = TextResponseRequest.upstreamBody(client, defaultModel: defaultModel, stream: stream)
        let include = upstream["include"]
        if include == nil || include?.isNull == true || include?.arrayValue?.isEmpty == true { upstream["include"] = defaultInclude }
        let fileIDs = (body["file_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []) + uploadedFileIDs
        let memory = body["memory_limit"]?.stringValue
        let containerID = body["container_id"]?.stringValue
        var tools = upstream["tools"]?.arrayValue ?? []
        if !tools.contains(where: { $0["type"]?.stringValue == "code_interpreter" }) { tools.append(["type": "code_interpreter"]) }
        upstream["tools"] = .array(
            tools.map { tool in
                guard var object = tool.objectValue, object["type"]?.stringValue == "code_interpreter" else { return tool }
                object["container"] = container(object["container"], id: containerID, fileIDs: fileIDs, memory: memory)
                return .object(object)
            }
        )
        return upstream
    }

    /// A tool's container: `container_id` when given; else the tool's own container when the route adds
    /// nothing to it; else an `auto` container with the tool's files, the route's files and memory limit.
    private static func container(_ own: JSONValue?, id: String?, fileIDs: [String], memory: String?) -> JSONValue {
        if let id { return .string(id) }
        if let own, !own.isNull, fileIDs.isEmpty, memory == nil { return own }
        var auto = own?.objectValue ?? ["type": "auto"]
        auto["type"] = "auto"
        let ownFiles = auto["file_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let all = ownFiles + fileIDs.filter { !ownFiles.contains($0) }
        if !all.isEmpty { auto["file_ids"] = .array(all.map { .string($0) }) }
        if let memory { auto["memory_limit"] = .string(memory) }
        return .object(auto)
    }
}
