import Foundation
import Hummingbird
import NIOCore
import OpenAIClient

/// The usage ledger's read API under `/admin` (behind the admin guard):
/// `GET /admin/usage?from&to&group_by=key|model|route|day&format=json|csv` and
/// `GET /admin/calls?limit&errors=true&key&route`.
struct AdminUsageController: Sendable {
    typealias Context = GatewayRequestContext
    let store: any SQLStore
    /// The window when `from` is not given: this long before `to`.
    static let defaultWindowMs: Int64 = 30 * 86_400_000

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("usage", use: usage)
        group.get("calls", use: calls)
    }

    @Sendable func usage(_ request: Request, context: Context) async throws -> Response {
        let query = try AdminQuery(request, endpoint: "GET /admin/usage", accepted: ["from", "to", "group_by", "format"])
        var problems: [ValidationProblem] = []
        let timeHint = "Give a UTC date (2026-12-01) or an RFC 3339 time (2026-12-01T08:30:00Z); the default window is the last 30 days."
        func time(_ name: String, endOfDay: Bool) -> Int64? {
            guard let text = query[name] else { return nil }
            if let value = TimeParameter.milliseconds(text, endOfDay: endOfDay) { return value }
            problems.append(ValidationProblem(parameter: name, message: "\(name) must be a date or an RFC 3339 time", hint: timeHint))
            return nil
        }
        let givenFrom = time("from", endOfDay: false)
        let givenTo = time("to", endOfDay: true)
        let grouping = query.choice("group_by", UsageGrouping.allCases.map(\.rawValue), default: "day", problems: &problems)
            .flatMap(UsageGrouping.init(rawValue:))
        let format = query.choice("format", ["json", "csv"], default: "json", problems: &problems)
        let to = givenTo ?? StoreTime.milliseconds()
        let from = givenFrom ?? to - Self.defaultWindowMs
        if problems.isEmpty, from >= to {
            problems.append(
                ValidationProblem(
                    parameter: "from",
                    message: "from must be before to",
                    hint: "A date alone as to means the end of that day: from=2026-12-01&to=2026-12-01 is that one day."
                )
            )
        }
        guard problems.isEmpty, let grouping, let format else { throw GatewayError.validation(problems) }
        let report = try await UsageLedger.report(store, from: from, to: to, groupBy: grouping)
        if format == "csv" {
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"usage-by-\(grouping.rawValue).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: Self.csv(report)))
            )
        }
        return SystemController.json(Self.json(report), status: .ok)
    }

    @Sendable func calls(_ request: Request, context: Context) async throws -> Response {
        let query = try AdminQuery(request, endpoint: "GET /admin/calls", accepted: ["limit", "errors", "key", "route"])
        var problems: [ValidationProblem] = []
        var filter = UsageLedger.CallFilter()
        if let text = query["limit"] {
            if let limit = Int(text), (1...500).contains(limit) {
                filter.limit = limit
            } else {
                problems.append(
                    ValidationProblem(
                        parameter: "limit",
                        message: "limit must be an integer from 1 to 500",
                        hint: "Omit limit for the latest 50 calls."
                    )
                )
            }
        }
        filter.errorsOnly = query.choice("errors", ["true", "false"], default: "false", problems: &problems) == "true"
        filter.keyID = query["key"]
        filter.route = query["route"]
        guard problems.isEmpty else { throw GatewayError.validation(problems) }
        let rows = try await UsageLedger.recentCalls(store, filter: filter)
        return SystemController.json(["object": "list", "data": .array(rows.map(Self.call))], status: .ok)
    }

    // MARK: - Rendering

    static func json(_ report: UsageReport) -> JSONValue {
        var groups: [JSONValue] = []
        for group in report.groups {
            var object: JSONObject = ["group": .string(group.group)]
            if report.grouping == .key { object["key_name"] = JSONValue(group.keyName) }
            for (name, value) in fields(group.totals) { object[name] = value }
            groups.append(.object(object))
        }
        var totals = JSONObject()
        for (name, value) in fields(report.totals) { totals[name] = value }
        return [
            "object": "usage",
            "from": .string(InteractionLogEntry.timestamp(StoreTime.date(report.from))),
            "to": .string(InteractionLogEntry.timestamp(StoreTime.date(report.to))),
            "group_by": .string(report.grouping.rawValue),
            "groups": .array(groups),
            "totals": .object(totals),
        ]
    }

    /// The numbers of a group, in the order of the JSON members and the CSV columns.
    static func fields(_ totals: UsageTotals) -> [(String, JSONValue)] {
        [
            ("requests", .int(Int64(totals.requests))), ("errors", .int(Int64(totals.errors))),
            ("input_tokens", .int(Int64(totals.inputTokens))), ("output_tokens", .int(Int64(totals.outputTokens))),
            ("cached_tokens", .int(Int64(totals.cachedTokens))), ("total_tokens", .int(Int64(totals.totalTokens))),
            ("cost_usd", .double(rounded(totals.costUSD, 1e8))),
            ("avg_latency_ms", totals.averageLatencyMs.map { .double(rounded($0, 1000)) } ?? .null),
            ("p95_latency_ms", totals.p95LatencyMs.map { .double(rounded($0, 1000)) } ?? .null),
        ]
    }

    /// One row per group, then one `total` row: `row,group,key_name,requests,…` (`key_name` only by key).
    static func csv(_ report: UsageReport) -> String {
        let byKey = report.grouping == .key
        let numbers = fields(UsageTotals()).map(\.0)
        var lines = [(["row", "group"] + (byKey ? ["key_name"] : []) + numbers).joined(separator: ",")]
        func line(_ row: String, _ group: String, _ keyName: String?, _ totals: UsageTotals) -> String {
            let values = fields(totals).map { _, value -> String in
                switch value {
                case .int(let number): String(number)
                case .double(let number): String(number)
                default: ""
                }
            }
            return ([row, CSV.field(group)] + (byKey ? [CSV.field(keyName ?? "")] : []) + values).joined(separator: ",")
        }
        for group in report.groups { lines.append(line("group", group.group, group.keyName, group.totals)) }
        lines.append(line("total", "", nil, report.totals))
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static let doubleColumns: Set<String> = ["latency_ms", "first_byte_ms", "cost_usd"]

    /// A ledger row as JSON: `ts` as an RFC 3339 time, numbers as numbers, flags as booleans.
    static func call(_ row: SQLRow) -> JSONValue {
        var object = JSONObject()
        for column in UsageLedger.callColumns {
            let value = row[column]
            switch column {
            case "ts": object[column] = value.int64.map { .string(InteractionLogEntry.timestamp(StoreTime.date($0))) } ?? .null
            case "cost_estimated": object[column] = .bool((value.int64 ?? 0) != 0)
            case _ where doubleColumns.contains(column): object[column] = value.double.map(JSONValue.double) ?? .null
            default:
                switch value {
                case .null: object[column] = .null
                case .integer(let number): object[column] = .int(number)
                case .double(let number): object[column] = .double(number)
                case .text(let text): object[column] = .string(text)
                }
            }
        }
        return .object(object)
    }

    private static func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }
}

/// The query of an admin read: every key one the endpoint accepts, each given at most once.
struct AdminQuery {
    private var values: [String: String] = [:]
    let endpoint: String

    init(_ request: Request, endpoint: String, accepted: [String]) throws(GatewayError) {
        self.endpoint = endpoint
        var problems: [ValidationProblem] = []
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            if !accepted.contains(name) {
                if !problems.contains(where: { $0.parameter == name }) {
                    problems.append(
                        ValidationProblem(
                            parameter: name,
                            message: "property \(name) should not exist",
                            hint: "\(endpoint) accepts \(Wording.andList(accepted))."
                        )
                    )
                }
            } else if values[name] != nil {
                problems.append(ValidationProblem(parameter: name, message: "\(name) is given more than once", hint: "Give \(name) once."))
            } else {
                values[name] = String(value)
            }
        }
        if !problems.isEmpty { throw GatewayError.validation(problems) }
    }

    subscript(_ name: String) -> String? { values[name] }

    /// The value of `name`, which must be one of `choices` (or `fallback` when not given).
    func choice(_ name: String, _ choices: [String], default fallback: String, problems: inout [ValidationProblem]) -> String? {
        guard let value = values[name] else { return fallback }
        if choices.contains(value) { return value }
        problems.append(
            ValidationProblem(
                parameter: name,
                message: "\(name) must be one of \(Wording.orList(choices))",
                hint: "Omit \(name) for \(fallback), or give one of \(choices.joined(separator: ", "))."
            )
        )
        return nil
    }
}

/// RFC 4180 fields, safe to open in a spreadsheet.
enum CSV {
    /// Quoted when it holds a comma, a quote or a line break; a leading `=`, `+`, `-`, `@`, tab or carriage
    /// return is prefixed with `'` so that a spreadsheet does not run it as a formula (a key name is free text).
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
