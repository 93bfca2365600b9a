import Hummingbird
import NIOConcurrencyHelpers

/// The methods served on each route template, so that a known path asked with a method it does not
/// serve (TRACE, PUT, ...) gets 405 with `Allow` rather than a 404 that says the route does not exist.
/// Filled once, after every route was added (`buildRouter`).
final class RouteTable: Sendable {
    private let routes = NIOLockedValueBox<[(segments: [Substring], method: String)]>([])

    func set(_ descriptions: [(path: String, method: String)]) {
        routes.withLockedValue { $0 = descriptions.map { ($0.path.split(separator: "/"), $0.method) } }
    }

    /// The methods of every route whose template matches `path` (empty for an unknown path).
    func allowedMethods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        let methods = routes.withLockedValue { routes in routes.filter { Self.matches($0.segments, segments) }.map(\.method) }
        return Array(Set(methods)).sorted()
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
