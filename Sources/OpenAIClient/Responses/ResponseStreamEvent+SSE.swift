extension ResponseStreamEvent {
    /// Decodes the payload of one server-sent event, parsing its data as JSON once.
    ///
    /// OpenAI puts the type in the JSON (`"type"`) and repeats it as the SSE `event:` name. When
    /// the JSON object has no `type` but the SSE event has a name, the name is used and written
    /// into `raw` as `"type"`, so that the payload forwarded downstream says what it is. An event
    /// type this version does not know becomes ``unknown(type:raw:)``; it is never an error.
    ///
    /// Check ``isDone(_:)`` first: the `[DONE]` sentinel is not JSON.
    ///
    /// - Throws: ``OpenAIError`` of kind ``OpenAIError/Kind/invalidResponse`` when the data is not JSON.
    public init(parsing event: ServerSentEvent) throws(OpenAIError) {
        var json: JSONValue
        do {
            json = try Self.parseJSON(event.data)
        } catch {
            let name = event.event.map { " '\($0)'" } ?? ""
            throw OpenAIError(
                kind: .invalidResponse,
                message: "The upstream sent a stream event\(name) whose data is not JSON: \(error)"
            )
        }
        if case .object(var object) = json, object["type"] == nil, let name = event.event, !name.isEmpty {
            object["type"] = .string(name)
            json = .object(object)
        }
        self.init(json: json)
    }

    /// True for the `data: [DONE]` sentinel that some OpenAI streams send last.
    public static func isDone(_ event: ServerSentEvent) -> Bool {
        event.data == "[DONE]"
    }

    /// Parses the string's UTF-8 in place when it is contiguous (native strings are), sparing a copy
    /// of every streamed payload.
    private static func parseJSON(_ text: String) throws(JSONParseError) -> JSONValue {
        let inPlace: Result<JSONValue, JSONParseError>? = text.utf8.withContiguousStorageIfAvailable { bytes in
            do throws(JSONParseError) {
                return .success(try JSONValue(parsingBytes: bytes))
            } catch {
                return .failure(error)
            }
        }
        if let inPlace { return try inPlace.get() }
        return try JSONValue(parsing: text)
    }
}
