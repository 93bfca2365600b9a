import OpenAIClient

/// `prompt` (seed-behavior §2.5): a reusable prompt's reference, `{id: "pmpt_…", version?, variables?}`.
/// Variables are strings or typed inputs: `input_text` with a non-empty `text`, `input_image` with a
/// `detail` and an `image_url` or `file_id`, `input_file` with a `file_id` (`file-…`), `file_url` or
/// `file_data`. The spec's `Prompt` schema is checked too (``SchemaRules``).
enum PromptRules {
    static func validate(_ rules: inout FieldValidator) {
        guard let value = rules.object["prompt"], !value.isNull else { return }
        guard value.objectValue != nil else {
            rules.fail("prompt", "prompt must be an object", hint: #"Send prompt as an object such as {"id": "pmpt_...", "version": "2"}."#)
            return
        }
        rules.nested("prompt") { prompt in
            let idHint = "Use the id of a prompt made in the OpenAI dashboard: \"pmpt_\" and more characters."
            if let id = prompt.string("id", required: true, hint: idHint), !(id.hasPrefix("pmpt_") && id.count > 5) {
                prompt.fail("id", "prompt.id must start with \"pmpt_\"", hint: idHint + " (got \"\(id.prefix(60))\")")
            }
            if let version = prompt.object["version"], !version.isNull {
                prompt.string(
                    "version",
                    minLength: 1,
                    hint: "Give the prompt version as a non-empty string such as \"2\", or leave it out for the latest."
                )
            }
            guard let variables = prompt.object["variables"], !variables.isNull else { return }
            guard let object = variables.objectValue else {
                prompt.fail(
                    "variables",
                    "prompt.variables must be an object",
                    hint: #"Map each variable to a string or an input, e.g. {"city": "Paris"}."#
                )
                return
            }
            for (name, variable) in object {
                let path = FieldValidator.path("prompt.variables", key: name)
                if variable.stringValue != nil { continue }
                guard let input = variable.objectValue else {
                    prompt.fail(
                        parameter: path,
                        "\(path) must be a string or an input object",
                        hint: #"Use a string, or {"type": "input_text", "text": "..."}, input_image or input_file."#
                    )
                    continue
                }
                var typed = FieldValidator(input, path: path)
                switch input["type"]?.stringValue {
                case "input_text":
                    typed.string("text", required: true, minLength: 1, hint: "The text to put in the variable's place.")
                case "input_image":
                    typed.oneOf("detail", values: ["low", "high", "auto"], required: true, hint: "Use detail low, high or auto.")
                    if typed.object["image_url"] == nil, typed.object["file_id"] == nil {
                        typed.fail(
                            nil,
                            "\(path) needs image_url or file_id",
                            hint: "Give the image as a URL (or data URL) in image_url, or an uploaded file's file_id."
                        )
                    }
                case "input_file":
                    if let id = typed.string("file_id"), !(id.hasPrefix("file-") && id.count > 5) {
                        typed.fail(
                            "file_id",
                            "\(path).file_id must start with \"file-\"",
                            hint: "Upload the file with POST /api/files first and use the id it returns."
                        )
                    }
                    if typed.object["file_id"] == nil, typed.object["file_data"] == nil, typed.object["file_url"] == nil {
                        typed.fail(
                            nil,
                            "\(path) needs file_id, file_url or file_data",
                            hint: "Give an uploaded file's file_id, a file_url, or the file's data."
                        )
                    }
                default:
                    typed.fail(
                        "type",
                        "\(path).type must be input_text, input_image or input_file",
                        hint: "Typed variables are input_text, input_image or input_file objects."
                    )
                }
                prompt.problems += typed.problems
            }
        }
        let reported = rules.problems.map(\.parameter)
        rules.problems += SchemaRules.shared.problems(value, schema: "Prompt", path: "prompt").filter { problem in
            !reported.contains { problem.parameter == $0 || problem.parameter.hasPrefix($0 + ".") || $0.hasPrefix(problem.parameter) }
        }
    }
}
