import Foundation
import OpenAIClient

/// A small rule toolkit over a `JSONObject` that collects every problem instead of stopping at the
/// first, so that a client can fix a request in one round trip.
///
/// Each rule reads one member, records a `ValidationProblem` naming it by its JSON path
/// (`temperature`, `modalities[1]`, `tools[0].container`) when it is wrong, and returns the value
/// when it is right. A member that is absent or `null` passes every rule unless it is `required`
/// (the seed's `@IsOptional()` treats `null` like absent).
///
/// ```swift
/// var rules = FieldValidator(body)
/// rules.number("temperature", min: 0, max: 2, hint: "Use a number between 0 and 2.")
/// rules.string("input", required: true)
/// if !rules.problems.isEmpty { throw GatewayError.validation(rules.problems) }
/// ```
///
/// Multipart form fields always arrive as strings: create the validator with
/// `acceptsStrings: true` so that number and boolean rules also take `"0.5"` or `"true"`.
public struct FieldValidator: Sendable {
    /// The object being validated.
    public let object: JSONObject
    /// The JSON path of `object` itself (`""` for the request body).
    public let path: String
    /// When true, number rules accept numeric strings and boolean rules accept `"true"`/`"false"`.
    public let acceptsStrings: Bool
    /// Every problem found so far, in the order the rules ran.
    public var problems: [ValidationProblem] = []

    public init(_ object: JSONObject, path: String = "", acceptsStrings: Bool = false) {
        self.object = object
        self.path = path
        self.acceptsStrings = acceptsStrings
    }

    /// True when no rule has failed.
    public var isValid: Bool { problems.isEmpty }

    // MARK: - Paths and problems

    /// The JSON path of member `key` under `parent`: `a.b` for identifier-like keys, `a["b c"]` otherwise.
    public static func path(_ parent: String, key: String) -> String {
        let isIdentifier =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
        if isIdentifier { return parent.isEmpty ? key : "\(parent).\(key)" }
        return "\(parent)[\(JSONValue.string(key).jsonString)]"
    }

    /// The JSON path of element `index` of the array at `parent`.
    public static func path(_ parent: String, index: Int) -> String { "\(parent)[\(index)]" }

    /// The JSON path of member `key` of the validated object.
    public func path(of key: String) -> String { Self.path(path, key: key) }

    /// Records a problem about member `key` (or about the object itself when `key` is nil).
    public mutating func fail(_ key: String?, _ message: String, hint: String? = nil) {
        let parameter = key.map(path(of:)) ?? (path.isEmpty ? "body" : path)
        problems.append(ValidationProblem(parameter: parameter, message: message, hint: hint))
    }

    /// Records a problem whose parameter path is already complete.
    public mutating func fail(parameter: String, _ message: String, hint: String? = nil) {
        problems.append(ValidationProblem(parameter: parameter, message: message, hint: hint))
    }

    /// The value of `key`, or nil when absent or null; records a problem when it is required.
    private mutating func present(_ key: String, required: Bool, expected: String, hint: String?) -> JSONValue? {
        guard let value = object[key], !value.isNull else {
            // Missing is not the wrong type: "input is required", not "input must be a string".
            if required { fail(key, "\(path(of: key)) is required", hint: hint ?? "Send \(path(of: key)) as \(expected).") }
            return nil
        }
        return value
    }

    // MARK: - Scalar rules

    /// A string, optionally with length bounds (in characters).
    @discardableResult
    public mutating func string(
        _ key: String,
        required: Bool = false,
        minLength: Int? = nil,
        maxLength: Int? = nil,
        hint: String? = nil
    ) -> String? {
        guard let value = present(key, required: required, expected: "a string", hint: hint) else { return nil }
        guard let string = value.stringValue else {
            fail(key, "\(path(of: key)) must be a string", hint: hint ?? "Send \(path(of: key)) as a JSON string.")
            return nil
        }
        if let minLength, string.count < minLength {
            fail(
                key,
                "\(path(of: key)) must be longer than or equal to \(minLength) characters",
                hint: hint ?? "Send at least \(minLength) character\(minLength == 1 ? "" : "s")."
            )
            return nil
        }
        if let maxLength, string.count > maxLength {
            fail(
                key,
                "\(path(of: key)) must be shorter than or equal to \(maxLength) characters",
                hint: hint ?? "Shorten \(path(of: key)) to at most \(maxLength) characters (it has \(string.count))."
            )
            return nil
        }
        return string
    }

    /// A number within optional inclusive bounds; with `integer`, fractional values are rejected.
    @discardableResult
    public mutating func number(
        _ key: String,
        required: Bool = false,
        min: Double? = nil,
        max: Double? = nil,
        integer: Bool = false,
        hint: String? = nil
    ) -> Double? {
        let kind = integer ? "an integer number" : "a number"
        guard let value = present(key, required: required, expected: kind, hint: hint) else { return nil }
        let name = path(of: key)
        var number = value.doubleValue.flatMap { $0.isFinite ? $0 : nil }  // 1e400 parses as infinity
        if number == nil, acceptsStrings, let text = value.stringValue {
            number = Double(text.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        }
        guard let number else {
            fail(key, "\(name) must be \(kind)", hint: hint ?? "Send \(name) as a JSON number.")
            return nil
        }
        if integer, number.rounded() != number {
            fail(
                key,
                "\(name) must be an integer number",
                hint: hint ?? "Send a whole number such as \(Self.format(number.rounded(.down))), not \(Self.format(number))."
            )
            return nil
        }
        if let min, number < min {
            fail(key, "\(name) must not be less than \(Self.format(min))", hint: hint ?? Self.rangeHint(min: min, max: max))
            return nil
        }
        if let max, number > max {
            fail(key, "\(name) must not be greater than \(Self.format(max))", hint: hint ?? Self.rangeHint(min: min, max: max))
            return nil
        }
        return number
    }

    /// An integer within optional inclusive bounds.
    @discardableResult
    public mutating func integer(
        _ key: String,
        required: Bool = false,
        min: Int? = nil,
        max: Int? = nil,
        hint: String? = nil
    ) -> Int? {
        number(key, required: required, min: min.map(Double.init), max: max.map(Double.init), integer: true, hint: hint)
            .flatMap { Int(exactly: $0) }
    }

    /// A boolean (or `"true"`/`"false"` when the validator accepts strings).
    @discardableResult
    public mutating func boolean(_ key: String, required: Bool = false, hint: String? = nil) -> Bool? {
        guard let value = present(key, required: required, expected: "a boolean value", hint: hint) else { return nil }
        if let bool = value.boolValue { return bool }
        if acceptsStrings, let text = value.stringValue?.lowercased(), text == "true" || text == "false" {
            return text == "true"
        }
        fail(key, "\(path(of: key)) must be a boolean value", hint: hint ?? "Send true or false (without quotes).")
        return nil
    }

    /// A string that must be one of `values`. `message` replaces the default `X must be one of: a, b`.
    @discardableResult
    public mutating func oneOf(
        _ key: String,
        values: [String],
        required: Bool = false,
        message: String? = nil,
        hint: String? = nil
    ) -> String? {
        let list = values.joined(separator: ", ")
        let defaultMessage = "\(path(of: key)) must be one of: \(list)"
        guard let value = present(key, required: required, expected: "one of: \(list)", hint: hint) else { return nil }
        guard let string = value.stringValue, values.contains(string) else {
            let given = value.stringValue.map { "\"\($0)\"" } ?? value.typeName
            fail(key, message ?? defaultMessage, hint: hint ?? "Use one of: \(list) (got \(given)).")
            return nil
        }
        return string
    }

    // MARK: - Containers

    /// A plain JSON object (arrays are rejected).
    @discardableResult
    public mutating func object(_ key: String, required: Bool = false, hint: String? = nil) -> JSONObject? {
        guard let value = present(key, required: required, expected: "an object", hint: hint) else { return nil }
        guard let object = value.objectValue else {
            fail(
                key,
                "\(path(of: key)) must be an object",
                hint: hint ?? "Send \(path(of: key)) as a JSON object ({...}), not \(Self.article(value.typeName))."
            )
            return nil
        }
        return object
    }

    /// An array, optionally non-empty and bounded in length.
    @discardableResult
    public mutating func array(
        _ key: String,
        required: Bool = false,
        nonEmpty: Bool = false,
        maxCount: Int? = nil,
        hint: String? = nil
    ) -> [JSONValue]? {
        guard let value = present(key, required: required, expected: "an array", hint: hint) else { return nil }
        let name = path(of: key)
        guard let array = value.arrayValue else {
            fail(key, "\(name) must be an array", hint: hint ?? "Send \(name) as a JSON array ([...]), not \(Self.article(value.typeName)).")
            return nil
        }
        if nonEmpty, array.isEmpty {
            fail(key, "\(name) array cannot be empty", hint: hint ?? "Leave \(name) out, or give it at least one element.")
            return nil
        }
        if let maxCount, array.count > maxCount {
            fail(
                key,
                "\(name) must contain no more than \(maxCount) elements",
                hint: hint ?? "Send at most \(maxCount) elements (got \(array.count))."
            )
            return nil
        }
        return array
    }

    /// Runs `rules` on the object at `key` (when it is one), collecting its problems under its path.
    public mutating func nested(_ key: String, required: Bool = false, hint: String? = nil, _ rules: (inout FieldValidator) -> Void) {
        guard let child = object(key, required: required, hint: hint) else { return }
        var validator = FieldValidator(child, path: path(of: key), acceptsStrings: acceptsStrings)
        rules(&validator)
        problems += validator.problems
    }

    /// Runs `rule` on every element of the array at `key` with the element's path (`key[i]`).
    public mutating func each(
        _ key: String,
        required: Bool = false,
        nonEmpty: Bool = false,
        _ rule: (_ element: JSONValue, _ path: String, _ problems: inout [ValidationProblem]) -> Void
    ) {
        guard let array = array(key, required: required, nonEmpty: nonEmpty) else { return }
        let base = path(of: key)
        for (index, element) in array.enumerated() {
            rule(element, Self.path(base, index: index), &problems)
        }
    }

    /// OpenAI's metadata limits: at most 16 pairs, keys up to 64 characters, string values up to 512.
    public mutating func metadata(_ key: String = "metadata") {
        guard let metadata = object(key, hint: "Send metadata as an object of string values, e.g. {\"project\": \"alpha\"}.")
        else { return }
        let name = path(of: key)
        if metadata.count > 16 {
            fail(
                key,
                "\(name) must have at most 16 key-value pairs",
                hint: "Remove \(metadata.count - 16) of the \(metadata.count) keys; OpenAI accepts 16."
            )
        }
        for (entryKey, value) in metadata {
            let entryPath = Self.path(name, key: entryKey)
            if entryKey.count > 64 {
                fail(
                    parameter: entryPath,
                    "\(name) keys must be at most 64 characters",
                    hint: "Shorten the key \"\(entryKey.prefix(20))…\" (\(entryKey.count) characters) to 64 or fewer."
                )
            }
            guard let string = value.stringValue else {
                fail(
                    parameter: entryPath,
                    "\(entryPath) must be a string",
                    hint: "Metadata values are strings; send \(value.typeName) values as text, e.g. \"42\"."
                )
                continue
            }
            if string.count > 512 {
                fail(
                    parameter: entryPath,
                    "\(entryPath) must be at most 512 characters",
                    hint: "Shorten the value (\(string.count) characters) to 512 or fewer."
                )
            }
        }
    }

    // MARK: - Formatting

    /// `2` rather than `2.0`, so messages read like the seed's.
    public static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    static func rangeHint(min: Double?, max: Double?) -> String {
        switch (min, max) {
        case let (min?, max?): "Use a number between \(format(min)) and \(format(max))."
        case let (min?, nil): "Use a number greater than or equal to \(format(min))."
        case let (nil, max?): "Use a number less than or equal to \(format(max))."
        case (nil, nil): "Use a number."
        }
    }

    static func article(_ typeName: String) -> String {
        typeName == "array" || typeName == "object" ? "an \(typeName)" : "a \(typeName)"
    }
}
