import OpenAIClient

/// Typed access to the optional fields of a JSON request body, failing with the errors OpenAI
/// sends for a wrong type or an out-of-range number (`invalid_type`, `integer_below_min_value`, ...).
///
/// ```swift
/// let fields = try RequestFields(body)              // 400 unless the body is an object
/// let n = try fields.int("n", in: 1...128) ?? 1
/// ```
struct RequestFields: Sendable {
    let body: JSONObject

    init(_ body: JSONObject) {
        self.body = body
    }

    /// The body as an object, or OpenAI's 400 for any other JSON value.
    init(_ value: JSONValue) throws(SimulatorAPIError) {
        guard let body = value.objectValue else {
            throw .invalidRequest(
                "Invalid type for request body: expected an object, but got \(value.typeName) instead.",
                param: nil,
                code: "invalid_type"
            )
        }
        self.body = body
    }

    /// The value of a field, `nil` when absent or `null`.
    subscript(key: String) -> JSONValue? {
        guard let raw = body[key], !raw.isNull else { return nil }
        return raw
    }

    /// A required string: 400 `missing_required_parameter` when absent or null.
    func requiredString(_ key: String) throws(SimulatorAPIError) -> String {
        guard let value = try string(key) else { throw SimulatorAPIError.missingParameter(key) }
        return value
    }

    func string(_ key: String) throws(SimulatorAPIError) -> String? {
        guard let raw = self[key] else { return nil }
        guard let value = raw.stringValue else { throw SimulatorAPIError.invalidType(key, expected: "a string", got: raw) }
        return value
    }

    func bool(_ key: String) throws(SimulatorAPIError) -> Bool? {
        guard let raw = self[key] else { return nil }
        guard let value = raw.boolValue else { throw SimulatorAPIError.invalidType(key, expected: "a boolean", got: raw) }
        return value
    }

    func object(_ key: String) throws(SimulatorAPIError) -> JSONObject? {
        guard let raw = self[key] else { return nil }
        guard let value = raw.objectValue else { throw SimulatorAPIError.invalidType(key, expected: "an object", got: raw) }
        return value
    }

    /// An integer within `range`, named `param` in errors (`stream_options.include_usage` style paths).
    func int(_ key: String, in range: ClosedRange<Int>, param: String? = nil) throws(SimulatorAPIError) -> Int? {
        guard let raw = self[key] else { return nil }
        let param = param ?? key
        guard let value = raw.intValue else { throw SimulatorAPIError.invalidType(param, expected: "an integer", got: raw) }
        if value < range.lowerBound {
            throw .invalidRequest(
                "Invalid '\(param)': integer below minimum value. Expected a value >= \(range.lowerBound), but got \(value) instead.",
                param: param,
                code: "integer_below_min_value"
            )
        }
        if value > range.upperBound {
            throw .invalidRequest(
                "Invalid '\(param)': integer above maximum value. Expected a value <= \(range.upperBound), but got \(value) instead.",
                param: param,
                code: "integer_above_max_value"
            )
        }
        return value
    }

    /// A number within `range`.
    func number(_ key: String, in range: ClosedRange<Double>) throws(SimulatorAPIError) -> Double? {
        guard let raw = self[key] else { return nil }
        guard let value = raw.doubleValue else { throw SimulatorAPIError.invalidType(key, expected: "a number", got: raw) }
        if value < range.lowerBound {
            throw .invalidRequest(
                "Invalid '\(key)': decimal below minimum value. Expected a value >= \(Self.text(range.lowerBound)), but got \(Self.text(value)) instead.",
                param: key,
                code: "decimal_below_min_value"
            )
        }
        if value > range.upperBound {
            throw .invalidRequest(
                "Invalid '\(key)': decimal above maximum value. Expected a value <= \(Self.text(range.upperBound)), but got \(Self.text(value)) instead.",
                param: key,
                code: "decimal_above_max_value"
            )
        }
        return value
    }

    /// A number as OpenAI writes it in messages: `2`, not `2.0`.
    private static func text(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// `metadata`: an object of at most 16 string values (keys ≤ 64 characters, values ≤ 512).
    func metadata() throws(SimulatorAPIError) -> JSONObject? {
        guard let metadata = try object("metadata") else { return nil }
        if metadata.count > 16 {
            throw .invalidRequest(
                "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with \(metadata.count) properties instead.",
                param: "metadata",
                code: "object_above_max_properties"
            )
        }
        for (key, value) in metadata {
            guard key.count <= 64 else {
                throw .invalidRequest(
                    "Invalid 'metadata': string too long. Expected a key with maximum length 64, but got a key with length \(key.count) instead.",
                    param: "metadata",
                    code: "string_above_max_length"
                )
            }
            guard let text = value.stringValue else {
                throw SimulatorAPIError.invalidType("metadata.\(key)", expected: "a string", got: value)
            }
            guard text.count <= 512 else {
                throw .invalidRequest(
                    "Invalid 'metadata.\(key)': string too long. Expected a string with maximum length 512, but got a string with length \(text.count) instead.",
                    param: "metadata.\(key)",
                    code: "string_above_max_length"
                )
            }
        }
        return metadata
    }
}

extension SimulatorAPIError {
    static func invalidType(_ param: String, expected: String, got value: JSONValue) -> SimulatorAPIError {
        .invalidRequest(
            "Invalid type for '\(param)': expected \(expected), but got \(value.typeName) instead.",
            param: param,
            code: "invalid_type"
        )
    }
}
