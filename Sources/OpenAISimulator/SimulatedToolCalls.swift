import OpenAIClient

/// A `function`, `file_search` or `code_interpreter` tool of a `POST /v1/responses` request,
/// validated as OpenAI does (errors name `tools[i].field`).
enum SimulatedTool: Sendable, Equatable {
    /// `parameters`: the JSON schema the arguments follow.
    case function(name: String, parameters: JSONObject)
    case fileSearch(vectorStoreIDs: [String], maxResults: Int)
    /// `container`: an id, or `nil` for `{"type": "auto"}` (the simulator makes one).
    case codeInterpreter(container: String?)

    /// The tools the simulated model calls, in the order of `tools`: the first `function` (or the one
    /// `tool_choice` names), each `file_search` and `code_interpreter`, or only the tool `tool_choice`
    /// names. None when `tool_choice` is `none` or the input already ends with a tool's output (the
    /// model answers it instead of calling again).
    static func parse(_ body: JSONObject, inputItems: [JSONValue]) throws(SimulatorAPIError) -> [SimulatedTool] {
        guard let tools = body["tools"]?.arrayValue else { return [] }
        var parsed: [SimulatedTool] = []
        for (index, raw) in tools.enumerated() {
            guard let tool = raw.objectValue else { continue }
            let path = "tools[\(index)]"
            let fields = RequestFields(tool)
            switch tool["type"]?.stringValue {
            case "function":
                guard let nameValue = fields["name"] else { throw SimulatorAPIError.missingParameter("\(path).name") }
                guard let name = nameValue.stringValue else {
                    throw SimulatorAPIError.invalidType("\(path).name", expected: "a string", got: nameValue)
                }
                guard let parameters = fields["parameters"] else {
                    parsed.append(.function(name: name, parameters: [:]))
                    continue
                }
                guard let schema = parameters.objectValue else {
                    throw SimulatorAPIError.invalidType("\(path).parameters", expected: "an object", got: parameters)
                }
                parsed.append(.function(name: name, parameters: schema))
            case "file_search":
                guard let raw = fields["vector_store_ids"] else { throw SimulatorAPIError.missingParameter("\(path).vector_store_ids") }
                guard let ids = raw.arrayValue?.compactMap(\.stringValue), ids.count == raw.arrayValue?.count else {
                    throw SimulatorAPIError.invalidType("\(path).vector_store_ids", expected: "an array of strings", got: raw)
                }
                let maxResults = try fields.int("max_num_results", in: 1...50, param: "\(path).max_num_results") ?? 10
                parsed.append(.fileSearch(vectorStoreIDs: ids, maxResults: maxResults))
            case "code_interpreter":
                guard let container = fields["container"] else { throw SimulatorAPIError.missingParameter("\(path).container") }
                if let id = container.stringValue {
                    parsed.append(.codeInterpreter(container: id))
                } else if container["type"]?.stringValue == "auto" {
                    parsed.append(.codeInterpreter(container: nil))
                } else {
                    throw SimulatorAPIError.invalidType("\(path).container", expected: "a container id or {\"type\": \"auto\"}", got: container)
                }
            default:
                continue
            }
        }
        let outputTypes: Set<String> = ["function_call_output", "custom_tool_call_output", "mcp_approval_response"]
        if let last = inputItems.last?["type"]?.stringValue, outputTypes.contains(last) { return [] }
        switch body["tool_choice"] {
        case .string("none")?:
            return []
        case .object(let choice)?:
            switch choice["type"]?.stringValue {
            case "function":
                let chosen = choice["name"]?.stringValue
                let named = parsed.first { tool in
                    guard case .function(let name, _) = tool else { return false }
                    return name == chosen
                }
                return named.map { [$0] } ?? []
            case "file_search":
                return parsed.filter { if case .fileSearch = $0 { true } else { false } }
            case "code_interpreter":
                return parsed.filter { if case .codeInterpreter = $0 { true } else { false } }
            default:
                break
            }
        default:
            break
        }
        var sawFunction = false
        return parsed.filter { tool in
            guard case .function = tool else { return true }
            defer { sawFunction = true }
            return !sawFunction
        }
    }
}

/// One call the simulated model makes with a tool: deterministic in the tool and the prompt.
struct SimulatedToolCall: Sendable {
    let id: String
    let tool: SimulatedTool
    /// A function call's id for its output (`call_…`), the code interpreter's container.
    let reference: String
    /// The function's arguments (JSON text), or the code the interpreter runs.
    let text: String
    /// What a file search looked for.
    let query: String
    /// `include` asked for the search results or the code's outputs.
    let includesResults: Bool
    /// What the code prints.
    let logs: String

    init(tool: SimulatedTool, prompt: String, include: [String]) {
        self.tool = tool
        let words = prompt.split(whereSeparator: \.isWhitespace).prefix(8).joined(separator: " ")
        query = words.isEmpty ? "simulated search" : words
        switch tool {
        case .function(_, let parameters):
            id = SimulatorIDs.make("fc")
            reference = SimulatorIDs.make("call", hexDigits: 24)
            text = JSONValue.object(Self.arguments(for: parameters, words: words)).jsonString
            includesResults = false
            logs = ""
        case .fileSearch:
            id = SimulatorIDs.make("fs")
            reference = ""
            text = ""
            includesResults = include.contains("file_search_call.results")
            logs = ""
        case .codeInterpreter(let container):
            id = SimulatorIDs.make("ci")
            reference = container ?? SimulatorIDs.make("cntr")
            let printed = "Simulated: " + (words.isEmpty ? "hello" : words)
            text = "print(" + JSONValue.string(printed).jsonString + ")"
            includesResults = include.contains("code_interpreter_call.outputs")
            logs = printed + "\n"
        }
    }

    /// Arguments that follow the schema's `properties`: strings from the prompt (or an `enum`'s first
    /// value), numbers 1, booleans true, arrays and objects empty.
    static func arguments(for schema: JSONObject, words: String) -> JSONObject {
        var arguments = JSONObject()
        for (key, property) in schema["properties"]?.objectValue ?? [:] {
            if let first = property["enum"]?.arrayValue?.first {
                arguments[key] = first
                continue
            }
            let type = property["type"]?.stringValue ?? property["type"]?.arrayValue?.first?.stringValue
            switch type {
            case "integer", "number": arguments[key] = 1
            case "boolean": arguments[key] = true
            case "array": arguments[key] = []
            case "object": arguments[key] = [:]
            case "null": arguments[key] = .null
            default: arguments[key] = .string(words.isEmpty ? "simulated" : words)
            }
        }
        return arguments
    }

    /// A function call ends the model's turn: the response waits for its output, with no message.
    var endsTurn: Bool {
        if case .function = tool { return true }
        return false
    }

    /// Output tokens of the call: the arguments or code it wrote.
    var outputTokens: Int { (text.count + 3) / 4 }

    /// The function's arguments or the code, in the pieces a stream sends.
    var deltas: [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(10)))
            rest = rest.dropFirst(10)
        }
        return pieces
    }

    private var results: JSONValue {
        guard case .fileSearch(let stores, let maxResults) = tool, includesResults else { return .null }
        let results = stores.prefix(maxResults).enumerated().map { index, store -> JSONValue in
            let hash = String(SimulatedResponse.fnv1a(store) % 0xFFFF_FFFF, radix: 16)
            return [
                "attributes": [:],
                "file_id": .string("file-sim\(hash)"),
                "filename": .string("\(store).txt"),
                "score": .double(Double(95 - 5 * index) / 100),
                "text": .string("A simulated passage from \(store) about \(query)."),
            ]
        }
        return .array(results)
    }

    /// The output item: `in_progress` (nothing produced yet), `completed`, or ended early (`failed`,
    /// `incomplete` for a function call, whose status has no `failed`).
    func item(status: String) -> JSONValue {
        let done = status == "completed"
        switch tool {
        case .function(let name, _):
            return [
                "id": .string(id), "type": "function_call", "status": .string(status == "failed" ? "incomplete" : status),
                "arguments": .string(done ? text : ""), "call_id": .string(reference), "name": .string(name),
            ]
        case .fileSearch:
            return [
                "id": .string(id), "type": "file_search_call", "status": .string(status),
                "queries": done ? [.string(query)] : [], "results": done ? results : .null,
            ]
        case .codeInterpreter:
            let outputs: JSONValue = done && includesResults ? [["type": "logs", "logs": .string(logs)]] : .null
            return [
                "id": .string(id), "type": "code_interpreter_call", "status": .string(status),
                "code": .string(done ? text : ""), "container_id": .string(reference), "outputs": outputs,
            ]
        }
    }

    /// The call's stream events at `outputIndex`, from its `output_item.added` to its `output_item.done`.
    func events(outputIndex: Int) -> [PlannedEvent] {
        let location: JSONObject = ["output_index": JSONValue(outputIndex), "item_id": .string(id)]
        var events = [
            PlannedEvent(type: "response.output_item.added", fields: ["output_index": JSONValue(outputIndex), "item": item(status: "in_progress")])
        ]
        switch tool {
        case .function(let name, _):
            for delta in deltas {
                events.append(PlannedEvent(type: "response.function_call_arguments.delta", fields: location.withMembers(["delta": .string(delta)])))
            }
            events.append(
                PlannedEvent(
                    type: "response.function_call_arguments.done",
                    fields: location.withMembers(["name": .string(name), "arguments": .string(text)])
                )
            )
        case .fileSearch:
            for step in ["in_progress", "searching", "completed"] {
                events.append(PlannedEvent(type: "response.file_search_call.\(step)", fields: location))
            }
        case .codeInterpreter:
            events.append(PlannedEvent(type: "response.code_interpreter_call.in_progress", fields: location))
            for delta in deltas {
                events.append(
                    PlannedEvent(type: "response.code_interpreter_call_code.delta", fields: location.withMembers(["delta": .string(delta)]))
                )
            }
            events.append(PlannedEvent(type: "response.code_interpreter_call_code.done", fields: location.withMembers(["code": .string(text)])))
            events.append(PlannedEvent(type: "response.code_interpreter_call.interpreting", fields: location))
            events.append(PlannedEvent(type: "response.code_interpreter_call.completed", fields: location))
        }
        events.append(
            PlannedEvent(type: "response.output_item.done", fields: ["output_index": JSONValue(outputIndex), "item": item(status: "completed")])
        )
        return events
    }
}
