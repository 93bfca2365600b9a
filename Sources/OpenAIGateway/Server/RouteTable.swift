import Hummingbird
import NIOConcurrencyHelpers

/// The methods served on each route template, so that a known path asked with a method it does not
/// serve (TRACE, PUT, ...) gets 405 with `Allow` rather than a 404 that says the route does not exist.
/// Filled once, after every route was added (`buildRouter`).
final class RouteTable: Sendable {
    private let routes = NIOLockedValueBox<[(segments: [Substring], method: String)]>([])

    func set(_ descriptions: [(path: String, method: String)]) {
        // The router answers HEAD wherever it answers GET (`autoGenerateHeadEndpoints`).
        let served = Set(descriptions.map { "\($0.method) \($0.path)" })
        let heads = descriptions.filter { $0.method == "GET" && !served.contains("HEAD \($0.path)") }.map { (path: $0.path, method: "HEAD") }
        routes.withLockedValue { $0 = (descriptions + heads).map { ($0.path.split(separator: "/"), $0.method) } }
    }

    /// The methods of the route template that `path` resolves to (empty for an unknown path). Like the
    /// router, a literal segment wins over a capture: `/api/responses/text` is not `/api/responses/:id`.
    func allowedMethods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        let matching = routes.withLockedValue { routes in routes.filter { Self.matches($0.segments, segments) } }
        guard let best = matching.map({ Self.specificity($0.segments) }).max(by: { $0.lexicographicallyPrecedes($1) }) else { return [] }
        return Array(Set(matching.filter { Self.specificity($0.segments) == best }.map(\.method))).sorted()
    }

    /// Per segment: 2 for a literal, 1 for a capture or wildcard, 0 for a trailing `**`.
    private static func specificity(_ template: [Substring]) -> [Int] {
        template.map { part in part == "**" ? 0 : (part.hasPrefix(":") || part.hasPrefix("{") || part.contains("*")) ? 1 : 2 }
    }

    private static func matches(_ template: [Substring], _ path: [Substring]) -> Bool {
        for (index, part) in template.enumerated() {
            if part == "**" { return true }
            guard index < path.count else { return false }
            if part.hasPrefix(":") || part.hasPrefix("{") || part.contains("*") { continue }
            if part != path[index] { return false }
        }
        return template.count == path.count
    }
}
