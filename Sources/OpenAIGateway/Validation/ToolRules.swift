import OpenAIClient

/// Rules for the `tools` array and `tool_choice` of a Responses request (seed-behavior §2.3 and §2.4).
///
/// Every tool type of the spec's `Tool` union is checked against its own spec schema (``SchemaRules``:
/// required members, enums, bounds, nested objects, with the JSON path), and some get the rules the
/// spec cannot express: `code_interpreter` and `file_search` the reference app's (`file-…`, `vs_…`
/// ids), `function` its name (`^[a-zA-Z0-9_-]{1,64}$`) and `parameters`, `mcp` one of `server_url`,
/// `connector_id` or `tunnel_id`, `custom` its name. A tool type the spec does not know is forwarded
/// unchanged (OpenAI adds tools often; ``unknownTypes(_:)`` lets the caller log it).
public enum ToolRules {
    /// Validates `tools` and `tool_choice` of the object under `rules` (absent or `null` is fine).
    public static func validateTools(_ rules: inout FieldValidator) {
        rules.each("tools") { element, path, problems in
            problems += validateTool(element, path: path)
        }
        if let choice = rules.object["tool_choice"], !choice.isNull {
            // A reusable prompt may bring its own tools: then only the shape can be checked.
            let promptTools = !(rules.object["prompt"]?.isNull ?? true)
            rules.problems += toolChoiceProblems(choice, tools: rules.object["tools"]?.arrayValue ?? [], checkExistence: !promptTools)
        }
    }

    /// The tool types of `tools` that the spec does not list (forwarded unchanged).
    public static func unknownTypes(_ tools: JSONValue?) -> [String] {
        let known = SchemaRules.shared.toolSchemas
        return (tools?.arrayValue ?? []).compactMap { $0["type"]?.stringValue }.filter { known[$0] == nil }
    }

    /// `tool_choice`: the spec's shape, then that what it names exists in `tools` (a function, custom
    /// tool or MCP server by name, a hosted tool by type).
    static func toolChoiceProblems(_ choice: JSONValue, tools: [JSONValue], checkExistence: Bool = true) -> [ValidationProblem] {
        let shape = SchemaRules.shared.problems(member: "tool_choice", value: choice)
        if !shape.isEmpty || !checkExistence { return shape }
        guard let object = choice.objectValue, let type = object["type"]?.stringValue else {
            if choice.stringValue == "required", tools.isEmpty {
                return [
                    ValidationProblem(
                        parameter: "tool_choice",
                        message: "tool_choice \"required\" needs at least one tool",
                        hint: "Add the tools the model must choose from, or use tool_choice \"auto\"."
                    )
                ]
            }
            return []
        }
        func named(_ toolType: String, key: String) -> [String] {
            tools.filter { $0["type"]?.stringValue == toolType }.compactMap { $0[key]?.stringValue }
        }
        func missing(_ what: String, _ name: String, _ available: [String], key: String) -> [ValidationProblem] {
            guard !available.contains(name) else { return [] }
            return [
                ValidationProblem(
                    parameter: "tool_choice.\(key)",
                    message: "tool_choice names the \(what) \"\(name.prefix(64))\", which is not in tools",
                    hint: available.isEmpty
                        ? "Add the \(what) to tools, or choose another tool."
                        : "Use one of the \(what)s in tools: \(available.joined(separator: ", "))."
                )
            ]
        }
        switch type {
        case "function": return missing("function", object["name"]?.stringValue ?? "", named("function", key: "name"), key: "name")
        case "custom": return missing("custom tool", object["name"]?.stringValue ?? "", named("custom", key: "name"), key: "name")
        case "mcp":
            return missing("MCP server", object["server_label"]?.stringValue ?? "", named("mcp", key: "server_label"), key: "server_label")
        case "allowed_tools":
            return []
        default:
            let types = tools.compactMap { $0["type"]?.stringValue }
            let family = { (name: String) in name.hasPrefix("web_search") ? "web_search" : name.hasPrefix("computer") ? "computer" : name }
            guard !types.contains(where: { family($0) == family(type) }) else { return [] }
            return [
                ValidationProblem(
                    parameter: "tool_choice.type",
                    message: "tool_choice asks for a \(type) tool, which is not in tools",
                    hint: "Add {\"type\": \"\(type)\"} to tools, or choose one of: \(types.isEmpty ? "(no tools)" : types.joined(separator: ", "))."
                )
            ]
        }
    }

    /// The problems of one tool at `path` (e.g. `tools[0]`).
    public static func validateTool(_ tool: JSONValue, path: String) -> [ValidationProblem] {
        guard let object = tool.objectValue else {
            return [
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must be an object",
                    hint: "Each tool is an object with a type, e.g. {\"type\": \"web_search\"}."
                )
            ]
        }
        var rules = FieldValidator(object, path: path)
        let type = rules.string("type", required: true, hint: "Give the tool a type such as \"function\", \"file_search\" or \"code_interpreter\".")
        switch type {
        case "code_interpreter": codeInterpreter(&rules)
        case "file_search": fileSearch(&rules)
        case "function", "custom": toolName(&rules)
        case "mcp": mcp(&rules)
        default: break
        }
        // The spec's own rules for the type, except where a rule above already spoke about the member.
        guard let type, let schema = SchemaRules.shared.toolSchemas[type] else { return rules.problems }
        let reported = rules.problems.map(\.parameter)
        let spec = SchemaRules.shared.problems(tool, schema: schema, path: path).filter { problem in
            !reported.contains { problem.parameter == $0 || problem.parameter.hasPrefix($0 + ".") || problem.parameter.hasPrefix($0 + "[") }
        }
        return rules.problems + spec
    }

    /// A function's or custom tool's `name`: 1-64 letters, digits, `_` and `-` (OpenAI's rule); a
    /// function's `parameters` a JSON Schema object.
    static func toolName(_ rules: inout FieldValidator) {
        let hint = "Use 1 to 64 letters, digits, underscores or dashes, e.g. \"get_weather\"."
        if let name = rules.string("name", required: true, hint: hint) {
            let valid =
                (1...64).contains(name.count)
                && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
            if !valid {
                rules.fail("name", "\(rules.path(of: "name")) must match ^[a-zA-Z0-9_-]{1,64}$", hint: hint + " (got \"\(name.prefix(80))\")")
            }
        }
        if rules.object["type"]?.stringValue == "function" {
            rules.object("parameters", hint: "parameters is a JSON Schema object, e.g. {\"type\": \"object\", \"properties\": {...}}.")
        }
    }

    /// An MCP tool: `server_label` and one of `server_url`, `connector_id` or `tunnel_id`.
    static func mcp(_ rules: inout FieldValidator) {
        rules.string("server_label", required: true, minLength: 1, hint: "Name the MCP server, e.g. \"deepwiki\"; calls are reported under it.")
        let sources = ["server_url", "connector_id", "tunnel_id"].filter { rules.object[$0].map { !$0.isNull } ?? false }
        if sources.isEmpty {
            rules.fail(
                nil,
                "\(rules.path) needs server_url, connector_id or tunnel_id",
                hint: "Give the MCP server's URL (server_url), or a connector_id such as connector_gmail."
            )
        } else if sources.count > 1 {
            rules.fail(
                nil,
                "\(rules.path) takes only one of server_url, connector_id and tunnel_id",
                hint: "Send one of them (got \(sources.joined(separator: ", ")))."
            )
        }
        if let url = rules.string("server_url"), !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            rules.fail(
                "server_url",
                "\(rules.path(of: "server_url")) must be an http(s) URL",
                hint: "Use the MCP server's URL, e.g. https://mcp.example.com/sse."
            )
        }
    }

    /// `container` absent, a non-empty string (a container id), or `{type: "auto", file_ids?: ["file-..."]}`.
    static func codeInterpreter(_ rules: inout FieldValidator) {
        let containerHint = "Use a container id string, or {\"type\": \"auto\", \"file_ids\": [\"file-...\"]} to create one."
        guard let container = rules.object["container"] else { return }
        switch container {
        case .string(let id):
            if id.isEmpty {
                rules.fail("container", "\(rules.path(of: "container")) must not be empty", hint: containerHint)
            }
        case .object(let object):
            var nested = FieldValidator(object, path: rules.path(of: "container"))
            nested.oneOf(
                "type",
                values: ["auto"],
                required: true,
                message: "\(nested.path(of: "type")) must be \"auto\"",
                hint: "An object container must be {\"type\": \"auto\"}; pass an existing container as its id string."
            )
            nested.each("file_ids", nonEmpty: true) { element, path, problems in
                guard let id = element.stringValue, id.hasPrefix("file-"), id.count > 5 else {
                    problems.append(
                        ValidationProblem(
                            parameter: path,
                            message: "\(path) must be a file id starting with \"file-\"",
                            hint: "Upload the file with POST /api/files first and use the id it returns."
                        )
                    )
                    return
                }
            }
            nested.oneOf("memory_limit", values: ["1g", "4g", "16g", "64g"])
            rules.problems += nested.problems
        default:
            rules.fail("container", "\(rules.path(of: "container")) must be a string or an object", hint: containerHint)
        }
    }

    /// `vector_store_ids` required (non-empty, `vs_...`), `max_num_results` 1..50, `ranking_options`.
    static func fileSearch(_ rules: inout FieldValidator) {
        rules.each("vector_store_ids", required: true, nonEmpty: true) { element, path, problems in
            guard let id = element.stringValue, id.hasPrefix("vs_") else {
                problems.append(
                    ValidationProblem(
                        parameter: path,
                        message: "\(path) must be a vector store id starting with \"vs_\"",
                        hint: "Create a vector store with POST /api/vector-stores and use the id it returns."
                    )
                )
                return
            }
        }
        rules.integer("max_num_results", min: 1, max: 50, hint: "Use a whole number between 1 and 50.")
        rules.nested("ranking_options") { ranking in
            ranking.oneOf("ranker", values: ["auto", "default-2024-11-15"])
            ranking.number("score_threshold", min: 0, max: 1, hint: "Use a number between 0 and 1; higher keeps fewer, closer results.")
        }
    }
}
