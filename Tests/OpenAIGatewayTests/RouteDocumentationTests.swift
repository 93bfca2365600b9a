import AsyncHTTPClient
import Logging
import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite("OpenAPI document matches the router")
struct RouteDocumentationTests {
    @Test("every route is documented and every documented operation is served")
    func routesMatch() async throws {
        var configuration = GatewayConfiguration()
        configuration.apiKey = "sk-test"
        let transport = OpenAITransport(httpClient: HTTPClient.shared, configuration: configuration.openAIConfiguration())
        let store = try await SQLiteStore.open(path: ":memory:")
        let router = buildRouter(
            configuration: configuration,
            client: OpenAIClient(transport: transport),
            pipeline: CallPipeline(sinks: [], metering: Metering(costs: CostEstimator(catalogue: .bundled))),
            components: GatewayComponents(
                store: store,
                configuration: configuration,
                logger: Logger(label: "test"),
                metrics: GatewayMetrics(catalogue: .bundled)
            )
        )
        await store.close()
        // Hummingbird renders a route's parameters as {name}, the OpenAPI syntax.
        let served = Set(router.routes.map { "\($0.method.rawValue) \(Self.normalise($0.path.description))" })
        let document = GatewayOpenAPI.document(serverURL: nil)
        let methods = ["get", "post", "put", "patch", "delete", "head", "options"]
        var documented = Set<String>()
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for method in methods where item[method] != nil { documented.insert("\(method.uppercased()) \(Self.normalise(path))") }
        }
        #expect(!served.isEmpty)
        #expect(
            served == documented,
            "served but undocumented: \(served.subtracting(documented)); documented but not served: \(documented.subtracting(served))"
        )
    }

    /// Hummingbird's catch-all `**` is documented as the `{path}` parameter.
    static func normalise(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0 == "**" ? "{path}" : String($0) }.joined(separator: "/")
    }
}
