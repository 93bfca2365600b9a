import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import ServiceLifecycle
import Testing

@testable import OpenAIGateway

/// A running gateway in front of a running simulator, both on loopback port 0, over real HTTP.
struct GatewayHarness: Sendable {
    let port: Int
    let simulator: RunningSimulator
    let logDirectory: String
    let group: ServiceGroup
    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// `DATA_DIR` of the gateway (its SQLite store), unless the test configured another.
    var dataDirectory: String { logDirectory + "-data" }

    /// Starts a graceful shutdown of the gateway (as SIGTERM would).
    func shutdown() async { await group.triggerGracefulShutdown() }

    /// Starts a simulator and a gateway pointed at it, runs `body`, then shuts both down gracefully
    /// (which drains the interaction log, so tests can read it after this returns).
    static func run<T: Sendable>(
        simulator simulatorConfiguration: SimulatorConfiguration = SimulatorConfiguration(
            eventDelay: .milliseconds(5),
            videoGenerationTime: .milliseconds(300)
        ),
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        let simulator = try await SimulatorServer.start(simulatorConfiguration)
        let logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-logs-\(UUID().uuidString)").path
        var configuration = GatewayConfiguration()
        configuration.port = 0
        configuration.baseURL = simulator.baseURL
        configuration.apiKey = "sk-test-harness-0123456789abcdefghijklmnop"
        configuration.logDirectory = logDirectory
        configuration.dataDirectory = logDirectory + "-data"
        configuration.retryDelay = .milliseconds(10)
        configuration.timeout = .seconds(10)
        configuration.environmentName = "test"
        configure(&configuration)
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .warning
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = try await buildApplication(configuration: configuration, logger: logger) { port in
            portContinuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            running.cancel()
            throw HarnessError("gateway did not start")
        }
        let harness = GatewayHarness(port: port, simulator: simulator, logDirectory: logDirectory, group: group)
        do {
            let result = try await body(harness)
            await group.triggerGracefulShutdown()
            try await running.value
            await simulator.shutdown()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await running.value
            await simulator.shutdown()
            throw error
        }
    }

    // MARK: - HTTP helpers

    struct HTTPResult: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> JSONValue { try JSONValue(parsing: body) }
    }

    func request(
        _ method: HTTPMethod,
        _ path: String,
        json: JSONValue? = nil,
        rawBody: [UInt8]? = nil,
        headers: HTTPHeaders = [:],
        client: HTTPClient = .shared
    ) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers = headers
        if let json {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.jsonBytes))
        } else if let rawBody {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: rawBody))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// One received SSE frame with the time it arrived.
    struct Frame: Sendable {
        var event: ServerSentEvent
        var arrival: ContinuousClock.Instant
        var name: String { event.event ?? "message" }
        var payload: JSONValue { (try? JSONValue(parsing: event.data)) ?? .null }
    }

    struct StreamResult: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var frames: [Frame]
        var rawText: String
    }

    /// Reads an SSE response to its end (or until `stopAfter` frames, then disconnects).
    func stream(
        _ method: HTTPMethod,
        _ path: String,
        json: JSONValue? = nil,
        headers: HTTPHeaders = [:],
        stopAfter: Int? = nil
    ) async throws -> StreamResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers = headers
        if let json {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.jsonBytes))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var frames: [Frame] = []
        var raw = ""
        var parser = ServerSentEventParser()
        var body = response.body.makeAsyncIterator()
        outer: while let chunk = try await body.next() {
            raw += String(buffer: chunk)
            parser.append(chunk)
            while let event = parser.nextEvent() {
                frames.append(Frame(event: event, arrival: .now))
                if let stopAfter, frames.count >= stopAfter { break outer }
            }
        }
        return StreamResult(status: Int(response.status.code), headers: response.headers, frames: frames, rawText: raw)
    }

    /// Reads `bytes` of a response body, then drops the connection (a client that goes away part way).
    static func readPartly(_ url: String, method: HTTPMethod = .GET, json: JSONValue? = nil, bytes: Int) async throws -> Int {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.jsonBytes))
        }
        var received = 0
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            for try await chunk in response.body {
                received += chunk.readableBytes
                if received >= bytes { break }
            }
        } catch {}
        try? await client.shutdown()
        return received
    }

    /// Reads today's interaction log of `api` as JSON lines.
    func logEntries(api: String = "responses") throws -> [JSONValue] {
        let day = InteractionLogEntry.day(Date())
        let path = "\(logDirectory)/\(day)/\(api).log"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }

    /// Every file under the log directory, concatenated.
    func allLogText() -> String {
        guard let enumerator = FileManager.default.enumerator(atPath: logDirectory) else { return "" }
        var text = ""
        for case let file as String in enumerator {
            text += (try? String(contentsOfFile: "\(logDirectory)/\(file)", encoding: .utf8)) ?? ""
        }
        return text
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
