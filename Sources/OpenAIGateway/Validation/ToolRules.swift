import OpenAIClient

/// Rules for the `tools` array of a Responses request (seed-behavior §2.3 and §2.4).
///
/// Only the shape the gateway can check without asking OpenAI is checked: each tool is an object
/// with a string `type`; `code_interpreter` and `file_search` tools get their detailed rules. Other
/// tool types (and unknown members of any tool) are forwarded for OpenAI to judge.
public enum ToolRules {
    /// Validates `tools` of the object under `rules` (absent or `null` is fine).
    public static func validateTools(_ rules: inout FieldValidator) {
        rules.each("tools") { element, path, problems in
            problems += validateTool(element, path: path)
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
        default: break
        }
        return rules.problems
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
