import AsyncHTTPClient
import Logging
import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite("OpenAPI document matches the router")
struct RouteDocumentationTests {
    @Test("every route is documented and every documented route exists")
    func routesMatch() async throws {
        var configuration = GatewayConfiguration()
        configuration.apiKey = "sk-test"
        let transport = OpenAITransport(httpClient: HTTPClient.shared, configuration: configuration.openAIConfiguration())
        let writer = InteractionLogWriter(directory: "/tmp/unused-route-test", minimumLevel: .error, logger: Logger(label: "t"))
        let router = buildRouter(
            configuration: configuration,
            client: OpenAIClient(transport: transport),
            upstreamURL: configuration.baseURL,
            requestLogger: RequestLogger(writer: writer, costs: CostEstimator(catalogue: .bundled), consoleSummary: false, logger: Logger(label: "t"))
        )
        let served = Set(router.routes.map { "\($0.method.rawValue) \(Self.normalise($0.path.description))" })
        let documented = Set(GatewayOpenAPI.routes.map { "\($0.method.uppercased()) \(Self.normalise(GatewayOpenAPI.openAPIPath($0.path)))" })
        #expect(
            served == documented,
            "served but undocumented: \(served.subtracting(documented)); documented but not served: \(documented.subtracting(served))"
        )
        let document = GatewayOpenAPI.document(serverURL: nil)
        for route in GatewayOpenAPI.routes {
            let path = GatewayOpenAPI.openAPIPath(route.path)
            #expect(document["paths"]?[path]?[route.method.lowercased()] != nil, "\(route.method) \(path) missing from the document")
        }
    }

    static func normalise(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }
}
