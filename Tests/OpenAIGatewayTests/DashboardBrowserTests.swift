import Foundation
import OpenAIClient
import TestSupport
import Testing

@testable import OpenAIGateway

/// `/dashboard` in headless Chromium (Debian's `chromium`), driven by Tests/TestSupport/chromium_check.py:
/// from a seeded ledger the page draws its chart and tables, with no console error, exception or failed
/// request, on a desktop and on a phone-sized screen.
@Suite("Dashboard in a browser")
struct DashboardBrowserTests {
    /// What the page shows, read once it is ready.
    static let probe = """
        (() => {
          const rows = (id) => [...document.querySelectorAll("#" + id + " tbody tr")].filter((r) => !r.querySelector("td.empty"));
          const bars = [...document.querySelectorAll("#spend svg rect.bar")];
          return {
            state: document.body.dataset.state,
            status: document.getElementById("status").textContent,
            bars: bars.length,
            drawnDays: bars.filter((b) => Number(b.getAttribute("height")) > 0).map((b) => b.dataset.day),
            keys: rows("by-key").map((r) => r.cells[0].textContent),
            models: rows("by-model").map((r) => r.cells[0].textContent),
            routes: rows("by-route").map((r) => r.cells[0].textContent),
            errors: rows("errors").length,
            cost: document.querySelector("#totals .card:nth-child(4) b").textContent,
            requests: document.querySelector("#totals .card:nth-child(1) b").textContent,
            pageWidth: document.documentElement.scrollWidth,
            viewportWidth: window.innerWidth,
            scripts: [...document.scripts].filter((s) => s.src).length,
            sheets: [...document.styleSheets].filter((s) => s.href).length
          };
        })()
        """

    /// Runs the browser check against `url` and returns its JSON report.
    static func check(_ url: String, headers: [String], width: Int, height: Int) async throws -> JSONValue {
        try await BrowserCheck.run(
            url,
            ready: "['ready', 'error'].includes(document.body.dataset.state)",
            probe: probe,
            headers: headers,
            width: width,
            height: height
        )
    }

    @Test("the page renders its chart and tables from a seeded ledger with no console errors or failed requests")
    func rendersFromSeededLedger() async throws {
        let adminKey = "dashboard-admin-key-0123456789"
        let seed = LedgerSeed.make(count: 60, days: 6, seed: 5)
        try await UsageAPITests.withSeededGateway(.sqlite, seed: seed, configure: { $0.adminKey = adminKey }) { gw in
            let basic = "Authorization: Basic " + Data("admin:\(adminKey)".utf8).base64EncodedString()
            // The window the page asks for: 30 days up to the end of today.
            let rows = seed.rows(from: LedgerSeed.day(29), to: LedgerSeed.day(-1))
            let costDays = Set(
                Dictionary(grouping: rows) { LedgerSeed.group($0, by: "day") }.filter { LedgerSeed.sums($0.value).costUSD > 0 }.keys
            )
            let keyGroups = Set(rows.map { LedgerSeed.group($0, by: "key") })
            let modelGroups = Set(rows.map { LedgerSeed.group($0, by: "model") })
            let errorCount = rows.filter { ($0.status ?? 0) >= 400 }.count
            for (width, height) in [(1280, 900), (390, 844)] {
                let report = try await Self.check(gw.baseURL + "/dashboard", headers: [basic], width: width, height: height)
                let page = try #require(report["value"])
                #expect(page["state"] == "ready", "\(page["status"] ?? .null)")
                #expect(page["bars"]?.intValue == 30)
                #expect(Set(page["drawnDays"]?.arrayValue?.compactMap(\.stringValue) ?? []) == costDays)
                #expect(page["keys"]?.arrayValue?.count == keyGroups.count)
                #expect(page["keys"]?.arrayValue?.contains { $0.stringValue == "(no key)" } == keyGroups.contains("none"))
                #expect(Set(page["models"]?.arrayValue?.compactMap(\.stringValue) ?? []) == modelGroups)
                #expect(page["routes"]?.arrayValue?.count == min(10, Set(rows.map { LedgerSeed.group($0, by: "route") }).count))
                #expect(page["errors"]?.intValue == min(20, errorCount))
                #expect(page["requests"]?.stringValue == String(rows.count))
                #expect(page["cost"]?.stringValue?.hasPrefix("$") == true)
                #expect(page["scripts"] == 0 && page["sheets"] == 0)
                // Narrow screens: the page itself never scrolls sideways (tables scroll in their own boxes).
                #expect((page["pageWidth"]?.intValue ?? .max) <= (page["viewportWidth"]?.intValue ?? 0), "at \(width) px")
                #expect(report["console_errors"] == [] && report["failed_requests"] == [] && report["exceptions"] == [])
            }
        }
    }

    @Test("the page is self-contained: no external address, inline script and style only")
    func selfContained() throws {
        let html = DashboardPage.html
        let regex = try NSRegularExpression(pattern: #"(?:src|href)\s*=\s*["']?(?:https?:)?//"#, options: .caseInsensitive)
        #expect(regex.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)) == nil)
        #expect(!html.contains("@import") && !html.contains("url("))
        // Only the SVG namespace, which is a name, not a request.
        #expect(html.components(separatedBy: "http").count - 1 == 1 && html.contains("http://www.w3.org/2000/svg"))
        #expect(!html.contains("innerHTML"))
    }
}
