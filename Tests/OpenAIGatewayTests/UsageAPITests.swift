import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpenAIClient
import Testing

@testable import OpenAIGateway

/// `GET /admin/usage` and `GET /admin/calls` over real HTTP, on a ledger seeded with INSERTs, on SQLite and
/// PostgreSQL: the totals are the sums over the rows, for every grouping, in JSON and CSV.
@Suite("Usage read API")
struct UsageAPITests {
    /// Runs a gateway whose store (of `engine`) holds `seed`'s rows.
    static func withSeededGateway<T: Sendable>(
        _ engine: TestDatabases.Engine,
        seed: LedgerSeed,
        configure: @escaping @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-usage-\(UUID().uuidString)").path
        let databaseURL = engine == .postgres ? try await TestDatabases.freshPostgresURL() : nil
        return try await GatewayHarness.run(configure: {
            $0.dataDirectory = dataDirectory
            $0.databaseURL = databaseURL
            configure(&$0)
        }) { gw in
            let store: any SQLStore =
                if let databaseURL { try await PostgresStore.open(url: databaseURL) } else {
                    try await SQLiteStore.open(path: (dataDirectory as NSString).appendingPathComponent("gateway.sqlite"))
                }
            do {
                try await seed.insert(into: store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            return try await body(gw)
        }
    }

    static let groupings = ["key", "model", "route", "day"]

    /// Checks one report (JSON) against the sums over `rows`.
    static func expectReport(_ json: JSONValue, rows: [LedgerSeed.Row], grouping: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let expectedGroups = Dictionary(grouping: rows) { LedgerSeed.group($0, by: grouping) }.mapValues(LedgerSeed.sums)
        let groups = json["groups"]?.arrayValue ?? []
        var answered: [String: UsageTotals] = [:]
        for group in groups { answered[group["group"]?.stringValue ?? "?"] = sums(group) }
        #expect(Set(answered.keys) == Set(expectedGroups.keys), "groups by \(grouping)", sourceLocation: sourceLocation)
        for (name, expected) in expectedGroups {
            let got = answered[name]
            #expect(
                got.map { close($0, expected) } == true,
                "\(grouping)=\(name): got \(got.map(String.init(describing:)) ?? "nothing"), rows say \(expected)",
                sourceLocation: sourceLocation
            )
        }
        let totals = sums(json["totals"] ?? .null)
        #expect(close(totals, LedgerSeed.sums(rows)), "totals \(totals) vs rows \(LedgerSeed.sums(rows))", sourceLocation: sourceLocation)
        #expect(json["group_by"]?.stringValue == grouping, sourceLocation: sourceLocation)
        if grouping == "day" {
            let names = groups.compactMap { $0["group"]?.stringValue }
            #expect(names == names.sorted(), "days in order", sourceLocation: sourceLocation)
        }
    }

    static func sums(_ object: JSONValue) -> UsageTotals {
        UsageTotals(
            requests: object["requests"]?.intValue ?? -1,
            errors: object["errors"]?.intValue ?? -1,
            inputTokens: object["input_tokens"]?.intValue ?? -1,
            outputTokens: object["output_tokens"]?.intValue ?? -1,
            cachedTokens: object["cached_tokens"]?.intValue ?? -1,
            totalTokens: object["total_tokens"]?.intValue ?? -1,
            costUSD: object["cost_usd"]?.doubleValue ?? -1,
            averageLatencyMs: object["avg_latency_ms"]?.doubleValue,
            p95LatencyMs: object["p95_latency_ms"]?.doubleValue
        )
    }

    /// Equal counts; costs and latencies equal up to the report's rounding (1e-8 USD, 1e-3 ms).
    static func close(_ a: UsageTotals, _ b: UsageTotals) -> Bool {
        func near(_ x: Double?, _ y: Double?, _ tolerance: Double) -> Bool {
            switch (x, y) {
            case (nil, nil): true
            case (let x?, let y?): abs(x - y) <= tolerance
            default: false
            }
        }
        return a.requests == b.requests && a.errors == b.errors && a.inputTokens == b.inputTokens && a.outputTokens == b.outputTokens
            && a.cachedTokens == b.cachedTokens && a.totalTokens == b.totalTokens && near(a.costUSD, b.costUSD, 1e-7)
            && near(a.averageLatencyMs, b.averageLatencyMs, 1e-3) && near(a.p95LatencyMs, b.p95LatencyMs, 1e-3)
    }

    static func date(_ milliseconds: Int64) -> String { InteractionLogEntry.day(StoreTime.date(milliseconds)) }
    static func time(_ milliseconds: Int64) -> String { InteractionLogEntry.timestamp(StoreTime.date(milliseconds)) }

    @Test("totals equal the sums over the rows for every group_by (default window, dates, RFC 3339 times)", arguments: TestDatabases.engines)
    func totalsEqualTheRows(engine: TestDatabases.Engine) async throws {
        let seed = LedgerSeed.make()
        try await Self.withSeededGateway(engine, seed: seed) { gw in
            // Default: the last 30 days up to now (the row 40 days old is out).
            let recent = seed.rows(from: seed.madeAt - 30 * 86_400_000, to: seed.madeAt + 1)
            #expect(recent.count == seed.rows.count - 1)
            // Dates: from the start of 2 days ago to the end of today. Times: an exact window of 50 hours.
            let datesFrom = LedgerSeed.day(2)
            let timesFrom = seed.madeAt - 50 * 3_600_000 - 123
            let windows: [(query: String, rows: [LedgerSeed.Row])] = [
                ("", recent),
                ("from=\(Self.date(datesFrom))&to=\(Self.date(seed.madeAt))&", seed.rows(from: datesFrom, to: LedgerSeed.day(-1))),
                ("from=\(Self.time(timesFrom))&to=\(Self.time(seed.madeAt - 3_600_000))&", seed.rows(from: timesFrom, to: seed.madeAt - 3_600_000)),
            ]
            for window in windows {
                #expect(!window.rows.isEmpty)
                for grouping in Self.groupings {
                    let answer = try await gw.request(.GET, "/admin/usage?\(window.query)group_by=\(grouping)")
                    #expect(answer.status == 200, "\(answer.text)")
                    Self.expectReport(try answer.json(), rows: window.rows, grouping: grouping)
                }
            }
            // The window's ends are echoed; a date `to` is the end of that day. A window with no rows has empty totals.
            let echoed = try await gw.request(.GET, "/admin/usage?from=2025-01-01&to=2025-01-31").json()
            #expect(echoed["from"] == "2025-01-01T00:00:00.000Z" && echoed["to"] == "2025-02-01T00:00:00.000Z")
            #expect(echoed["groups"] == [])
            #expect(echoed["totals"]?["requests"] == 0 && echoed["totals"]?["p95_latency_ms"] == .null)
        }
    }

    @Test("CSV: one row per group and a total row, the same numbers as the JSON", arguments: TestDatabases.engines)
    func csvMatchesTheRows(engine: TestDatabases.Engine) async throws {
        let seed = LedgerSeed.make(seed: 11)
        try await Self.withSeededGateway(engine, seed: seed) { gw in
            let rows = seed.rows(from: seed.madeAt - 30 * 86_400_000, to: seed.madeAt + 1)
            for grouping in Self.groupings {
                let answer = try await gw.request(.GET, "/admin/usage?group_by=\(grouping)&format=csv")
                #expect(answer.status == 200)
                #expect(answer.headers.first(name: "content-type") == "text/csv; charset=utf-8")
                #expect(answer.headers.first(name: "content-disposition") == "attachment; filename=\"usage-by-\(grouping).csv\"")
                let table = try CSVTable(answer.text)
                let numbers = [
                    "requests", "errors", "input_tokens", "output_tokens", "cached_tokens", "total_tokens", "cost_usd", "avg_latency_ms",
                    "p95_latency_ms",
                ]
                #expect(table.header == ["row", "group"] + (grouping == "key" ? ["key_name"] : []) + numbers)
                #expect(table.records.last?["row"] == "total")
                #expect(table.records.dropLast().allSatisfy { $0["row"] == "group" })
                // The CSV as the JSON shape, then the same check as the JSON's.
                func object(_ record: [String: String]) -> JSONValue {
                    var object: JSONObject = ["group": .string(record["group"] ?? "")]
                    for name in numbers {
                        let text = record[name] ?? ""
                        object[name] = text.isEmpty ? .null : (Int64(text).map(JSONValue.int) ?? Double(text).map(JSONValue.double) ?? .string(text))
                    }
                    return .object(object)
                }
                let json: JSONValue = [
                    "group_by": .string(grouping), "groups": .array(table.records.dropLast().map(object)),
                    "totals": table.records.last.map(object) ?? .null,
                ]
                Self.expectReport(json, rows: rows, grouping: grouping)
                if grouping == "key" {
                    // A key name is free text: quoted where it has a comma or a quote, and never a spreadsheet formula.
                    let beta = table.records.first { $0["group"] == "key_beta" }
                    #expect(beta?["key_name"] == "'=beta, \"ops\"")
                    #expect(answer.text.contains("\"'=beta, \"\"ops\"\"\""))
                }
            }
        }
    }

    @Test("bad parameters are a 400 naming the parameter, with a hint")
    func badParameters() async throws {
        try await Self.withSeededGateway(.sqlite, seed: LedgerSeed(madeAt: 0, rows: [])) { gw in
            let cases: [(path: String, parameter: String)] = [
                ("/admin/usage?from=yesterday", "from"),
                ("/admin/usage?to=2026-13-01", "to"),
                ("/admin/usage?from=2026-02-30", "from"),
                ("/admin/usage?from=2026-12-01T25:00:00Z", "from"),
                ("/admin/usage?to=2026-12-01T10:00:00", "to"),
                ("/admin/usage?group_by=week", "group_by"),
                ("/admin/usage?format=xml", "format"),
                ("/admin/usage?from=2026-12-02&to=2026-12-01", "from"),
                ("/admin/usage?from=2026-12-01T10:00:00Z&to=2026-12-01T10:00:00Z", "from"),
                ("/admin/usage?groupby=key", "groupby"),
                ("/admin/usage?group_by=key&group_by=day", "group_by"),
                ("/admin/calls?limit=0", "limit"),
                ("/admin/calls?limit=501", "limit"),
                ("/admin/calls?limit=ten", "limit"),
                ("/admin/calls?errors=maybe", "errors"),
                ("/admin/calls?status=500", "status"),
            ]
            for (path, parameter) in cases {
                let answer = try await gw.request(.GET, path)
                let body = try answer.json()
                #expect(answer.status == 400, "\(path): \(answer.text)")
                #expect(body["error_code"] == "validation_error", "\(path)")
                #expect(body["parameter"]?.stringValue == parameter, "\(path): \(answer.text)")
                #expect((body["hint"]?.stringValue ?? "").count > 10, "\(path): \(answer.text)")
            }
            // No parameters: by day, over the last 30 days, as JSON.
            let defaults = try await gw.request(.GET, "/admin/usage")
            #expect(defaults.status == 200 && defaults.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
            #expect(try defaults.json()["group_by"] == "day" && (try defaults.json()["groups"]) == [])
            // An offset (its + sent as %2B, or form-decoded to a space) and fractions are RFC 3339.
            for good in [
                "from=2026-12-01T08:30:00.5%2B01:00", "from=2026-12-01T08:30:00+01:00", "from=2026-12-01t08:30:00z", "to=2026-12-01T08:30:00-05:30",
            ] {
                let answer = try await gw.request(.GET, "/admin/usage?\(good)")
                #expect(answer.status == 200, "\(good): \(answer.text)")
            }
            let offset = try await gw.request(.GET, "/admin/usage?from=2026-12-01T08:30:00.250%2B01:00&to=2026-12-01T09:00:00Z").json()
            #expect(offset["from"] == "2026-12-01T07:30:00.250Z")
        }
    }

    @Test("recent calls: newest first, errors only, by key, by route", arguments: TestDatabases.engines)
    func recentCalls(engine: TestDatabases.Engine) async throws {
        let seed = LedgerSeed.make(count: 60, seed: 3)
        try await Self.withSeededGateway(engine, seed: seed) { gw in
            let newest = seed.rows.sorted { $0.ts > $1.ts }
            let latest = try await gw.request(.GET, "/admin/calls?limit=7").json()
            #expect(latest["object"] == "list")
            #expect(
                latest["data"]?.arrayValue?.compactMap { $0["request_id"]?.stringValue }
                    == newest.prefix(7).map { String($0.id.prefix { $0 != "#" }) }
            )
            let first = try #require(latest["data"]?[0])
            #expect(first["ts"]?.stringValue == Self.time(newest[0].ts))
            #expect(first["latency_ms"]?.doubleValue == newest[0].latencyMs)
            #expect(first["cost_estimated"] == false)

            let everything = try await gw.request(.GET, "/admin/calls").json()
            #expect(everything["data"]?.arrayValue?.count == 50)

            let errors = try await gw.request(.GET, "/admin/calls?errors=true&limit=500").json()
            let errorRows = newest.filter { ($0.status ?? 0) >= 400 }
            #expect(errors["data"]?.arrayValue?.compactMap { $0["status"]?.intValue } == errorRows.compactMap(\.status))
            #expect(errors["data"]?.arrayValue?.compactMap { $0["error_code"]?.stringValue } == errorRows.compactMap(\.errorCode))

            for key in ["key_alpha", "none"] {
                let byKey = try await gw.request(.GET, "/admin/calls?limit=500&key=\(key)").json()
                let expected = newest.filter { ($0.keyID ?? "none") == key }
                #expect(byKey["data"]?.arrayValue?.count == expected.count, "\(key)")
                #expect(byKey["data"]?.arrayValue?.allSatisfy { ($0["key_id"]?.stringValue ?? "none") == key } == true)
            }
            let byRoute = try await gw.request(.GET, "/admin/calls?limit=500&errors=true&route=%2Fapi%2Ffiles%2F%7Bid%7D").json()
            let expectedRoute = newest.filter { $0.route == "/api/files/{id}" && ($0.status ?? 0) >= 400 }
            #expect(byRoute["data"]?.arrayValue?.count == expectedRoute.count)
            #expect(byRoute["data"]?.arrayValue?.allSatisfy { $0["route"] == "/api/files/{id}" } == true)
        }
    }
}

/// A strict RFC 4180 reader: a header line, then records of as many fields; quoted fields may hold commas,
/// quotes (doubled) and line breaks.
struct CSVTable {
    var header: [String]
    var records: [[String: String]]

    struct Malformed: Error, CustomStringConvertible { var description: String }

    init(_ text: String) throws {
        var rows: [[String]] = []
        var field = ""
        var row: [String] = []
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters = characters.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                guard field.isEmpty else { throw Malformed(description: "a quote inside an unquoted field") }
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\r\n" || character == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        guard !quoted, field.isEmpty, row.isEmpty else { throw Malformed(description: "the text does not end with a line break") }
        guard let header = rows.first else { throw Malformed(description: "no header") }
        self.header = header
        records = try rows.dropFirst().map { values in
            guard values.count == header.count else { throw Malformed(description: "\(values.count) fields, \(header.count) columns: \(values)") }
            return Dictionary(uniqueKeysWithValues: zip(header, values))
        }
    }
}
