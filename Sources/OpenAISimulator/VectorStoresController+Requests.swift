import Hummingbird
import NIOCore
import OpenAIClient

/// Reading and checking the Vector Stores API's request bodies and list queries, with OpenAI's messages.
extension VectorStoresController {
    /// The JSON body as an object whose keys are all members of the spec's body for the route
    /// (400 `unknown_parameter` otherwise, see ``SpecRequestMembers``); an empty body is `{}`.
    static func object(_ request: inout Request) async throws -> JSONObject {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: 4 << 20)
        } catch is NIOTooManyBytesError {
            throw SimulatorAPIError(status: 413, message: "Request body too large.", type: "invalid_request_error", param: nil, code: nil)
        }
        if buffer.readableBytes == 0 { return [:] }
        guard let object = (try? JSONValue(parsing: buffer))?.objectValue else { throw SimulatorAPIError.malformedJSON }
        try SpecRequestMembers.check(.object(object), method: request.method.rawValue, path: request.uri.path)
        return object
    }

    static func optionalString(_ value: JSONValue?, param: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        guard let string = value.stringValue else {
            throw SimulatorAPIError.invalidRequest("Invalid type for '\(param)': expected a string, but got \(value.typeName) instead.", param: param)
        }
        return string
    }

    static func integer(_ value: JSONValue?, param: String, range: ClosedRange<Int>) throws -> Int? {
        guard let value else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid '\(param)': expected an integer between \(range.lowerBound) and \(range.upperBound), but got \(value.jsonString) instead.",
                param: param,
                code: "invalid_value"
            )
        }
        return number
    }

    static func stringArray(_ value: JSONValue?, param: String, maxCount: Int) throws -> [String]? {
        guard let value else { return nil }
        guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
            throw SimulatorAPIError.invalidRequest("Invalid '\(param)': expected an array of strings.", param: param)
        }
        guard items.count <= maxCount else {
            throw SimulatorAPIError.invalidRequest("Invalid '\(param)': expected at most \(maxCount) items, got \(items.count).", param: param)
        }
        return items.compactMap(\.stringValue)
    }

    /// `{type: auto}` or `{type: static, static: {max_chunk_size_tokens 100...4096, chunk_overlap_tokens ≤ max/2}}`.
    static func chunking(_ value: JSONValue?, param: String) throws -> VectorStoreIndex.Chunking {
        guard let value, !value.isNull else { return .auto }
        guard let object = value.objectValue, let type = object["type"]?.stringValue else {
            throw SimulatorAPIError.invalidRequest("Invalid '\(param)': expected an object with a 'type'.", param: param)
        }
        switch type {
        case "auto":
            guard object.count == 1 else {
                throw SimulatorAPIError.invalidRequest("Invalid '\(param)': 'auto' takes no other parameters.", param: param)
            }
            return .auto
        case "static":
            guard let settings = object["static"]?.objectValue,
                let size = settings["max_chunk_size_tokens"]?.intValue,
                let overlap = settings["chunk_overlap_tokens"]?.intValue
            else {
                throw SimulatorAPIError.missingParameter("\(param).static")
            }
            guard (100...4096).contains(size) else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid '\(param).static.max_chunk_size_tokens': expected an integer between 100 and 4096, but got \(size) instead.",
                    param: "\(param).static.max_chunk_size_tokens",
                    code: "invalid_value"
                )
            }
            guard overlap >= 0, overlap <= size / 2 else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid '\(param).static.chunk_overlap_tokens': must be between 0 and half of max_chunk_size_tokens (\(size / 2)).",
                    param: "\(param).static.chunk_overlap_tokens",
                    code: "invalid_value"
                )
            }
            return .init(maxTokens: size, overlapTokens: overlap)
        default:
            throw SimulatorAPIError.invalidValue(param: "\(param).type", got: type, allowed: ["auto", "static"])
        }
    }

    /// `expires_after: {anchor: last_active_at, days: 1...365}`; nil when absent or null.
    static func expiresAfter(_ value: JSONValue?) throws -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let object = value.objectValue else {
            throw SimulatorAPIError.invalidRequest("Invalid 'expires_after': expected an object.", param: "expires_after")
        }
        guard object["anchor"]?.stringValue == "last_active_at" else {
            throw SimulatorAPIError.invalidValue(
                param: "expires_after.anchor",
                got: object["anchor"]?.stringValue ?? "",
                allowed: ["last_active_at"]
            )
        }
        return try integer(object["days"] ?? .null, param: "expires_after.days", range: 1...365)
    }

    /// At most 16 string values, keys up to 64 characters, values up to 512; nil when absent or null.
    static func metadata(_ value: JSONValue?) throws -> JSONObject? {
        guard let value, !value.isNull else { return nil }
        guard let object = value.objectValue, object.count <= 16,
            object.allSatisfy({ $0.key.count <= 64 && ($0.value.stringValue?.count ?? 513) <= 512 })
        else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid 'metadata': expected at most 16 string values with keys up to 64 and values up to 512 characters.",
                param: "metadata"
            )
        }
        return object
    }

    /// At most 16 values that are strings (up to 512 characters), numbers or booleans; `{}` when absent or null.
    static func attributes(_ value: JSONValue?, param: String) throws -> JSONObject {
        guard let value, !value.isNull else { return [:] }
        let valid: (JSONValue) -> Bool = {
            switch $0 {
            case .string(let text): text.count <= 512
            case .int, .double, .number, .bool: true
            default: false
            }
        }
        guard let object = value.objectValue, object.count <= 16, object.allSatisfy({ $0.key.count <= 64 && valid($0.value) }) else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid '\(param)': expected at most 16 values (strings up to 512 characters, numbers or booleans) with keys up to 64 characters.",
                param: param
            )
        }
        return object
    }

    // MARK: - Lists

    /// The `filter` query parameter of the file lists: only files of that status.
    static func filtered(_ files: [SimulatorVectorStores.StoreFile], request: Request) throws -> [SimulatorVectorStores.StoreFile] {
        guard let filter = request.uri.queryParameters.get("filter") else { return files }
        let allowed = ["in_progress", "completed", "failed", "cancelled"]
        guard allowed.contains(filter) else { throw SimulatorAPIError.invalidValue(param: "filter", got: filter, allowed: allowed) }
        let now = ContinuousClock.now
        return files.filter { $0.status(at: now) == filter }
    }

    /// One page of `items` (oldest first) by `limit` (1...100, default 20), `order` (default desc),
    /// `after` and `before`; and whether more follow.
    static func page<T>(_ items: [T], id: (T) -> String, request: Request, extraKeys: Set<String>) throws -> (items: [T], hasMore: Bool) {
        let query = request.uri.queryParameters
        let known = Set(["limit", "order", "after", "before"]).union(extraKeys)
        if let unknown = query.first(where: { !known.contains(String($0.key)) }) {
            throw SimulatorAPIError.invalidRequest("Unrecognized request argument supplied: \(unknown.key)", param: String(unknown.key))
        }
        let limit = try integer(query.get("limit").map { Int($0).map(JSONValue.init) ?? .string($0) }, param: "limit", range: 1...100) ?? 20
        let order = query.get("order") ?? "desc"
        guard order == "asc" || order == "desc" else { throw SimulatorAPIError.invalidValue(param: "order", got: order, allowed: ["asc", "desc"]) }
        var items = order == "asc" ? items : items.reversed()
        if let after = query.get("after") {
            guard let index = items.firstIndex(where: { id($0) == after }) else {
                throw SimulatorAPIError.invalidRequest("Invalid 'after': no object with id '\(after)' in this list.", param: "after")
            }
            items = Array(items[(index + 1)...])
        }
        if let before = query.get("before") {
            guard let index = items.firstIndex(where: { id($0) == before }) else {
                throw SimulatorAPIError.invalidRequest("Invalid 'before': no object with id '\(before)' in this list.", param: "before")
            }
            items = Array(items[..<index].suffix(limit))
        }
        return (Array(items.prefix(limit)), items.count > limit)
    }

    /// OpenAI's list envelope.
    static func list<T>(_ page: (items: [T], hasMore: Bool), json: (T) -> JSONValue) -> JSONValue {
        let data = page.items.map(json)
        return [
            "object": "list", "data": .array(data), "first_id": .string(data.first?["id"]?.stringValue ?? ""),
            "last_id": .string(data.last?["id"]?.stringValue ?? ""), "has_more": .bool(page.hasMore),
        ]
    }
}

extension SimulatorAPIError {
    static func vectorStoreNotFound(_ id: String) -> SimulatorAPIError {
        SimulatorAPIError(status: 404, message: "No vector store found with id '\(id)'.", type: "invalid_request_error", param: nil, code: nil)
    }

    static func vectorStoreFileNotFound(_ id: String, store: String) -> SimulatorAPIError {
        SimulatorAPIError(
            status: 404,
            message: "No file found with id '\(id)' in vector store '\(store)'.",
            type: "invalid_request_error",
            param: nil,
            code: nil
        )
    }

    static func batchNotFound(_ id: String) -> SimulatorAPIError {
        SimulatorAPIError(status: 404, message: "No file batch found with id '\(id)'.", type: "invalid_request_error", param: nil, code: nil)
    }
}
