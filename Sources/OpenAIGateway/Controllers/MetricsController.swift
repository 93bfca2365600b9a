import Hummingbird
import NIOCore

/// `GET /metrics` (Prometheus text format 0.0.4) and `GET /dashboard` (the usage page), both behind the
/// admin guard.
struct MetricsController: Sendable {
    typealias Context = GatewayRequestContext
    let metrics: GatewayMetrics
    /// The usage ledger's writer, read at scrape time (nil until it runs: its numbers are 0 then).
    let ledger: (any LedgerStatsSource)?

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("metrics", use: scrape)
        group.get("dashboard", use: dashboard)
    }

    @Sendable func scrape(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(ledger: ledger?.stats ?? LedgerStats())))
        )
    }

    @Sendable func dashboard(_ request: Request, context: Context) async throws -> Response {
        // The page reads `days` itself; a value it would not show is refused here, naming it.
        let query = try AdminQuery(request, endpoint: "GET /dashboard", accepted: ["days"])
        if let days = query["days"], !(Int(days).map { (1...366).contains($0) } ?? false) {
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: "days",
                    message: "days must be a whole number from 1 to 366",
                    hint: "Send e.g. /dashboard?days=30 (got \"\(days.prefix(40))\")."
                )
            ])
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                // Everything the page needs is inline; it may only call its own origin.
                .contentSecurityPolicy:
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html))
        )
    }
}
