import Foundation
import Testing

@testable import OpenAIGateway

@Suite("Configuration")
struct ConfigurationTests {
    @Test("defaults with a key")
    func defaults() throws {
        let config = try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "sk-abc"])
        #expect(config.port == 3000)
        #expect(config.host == "127.0.0.1")
        #expect(config.baseURL == "https://api.openai.com/v1")
        #expect(config.defaultModel == "gpt-4o")
        #expect(config.timeout == .milliseconds(60_000))
        #expect(config.maxRetries == 3)
        #expect(config.retryDelay == .milliseconds(1_000))
        #expect(config.logDirectory == "./logs")
        #expect(config.logLevel == .info)
        #expect(config.maxBodySize == 32 * 1024 * 1024)
    }

    @Test("connection timeouts, the connection cap, the shutdown deadline and allowed hosts have defaults and are validated")
    func connectionLimits() throws {
        let defaults = try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "sk-abc"])
        #expect(defaults.headerReadTimeout == .seconds(10))
        #expect(defaults.idleTimeout == .seconds(60))
        #expect(defaults.bodyIdleTimeout == .seconds(30))
        #expect(defaults.maxConnections == 1_000)
        #expect(defaults.shutdownTimeout == .seconds(30))
        #expect(defaults.clientWriteTimeout == .seconds(30))
        #expect(defaults.listenBacklog == 1024)
        #expect(defaults.allowedHosts == nil)
        let set = try GatewayConfiguration.load(environment: [
            "OPENAI_API_KEY": "sk-abc", "HEADER_READ_TIMEOUT_MS": "2000", "IDLE_TIMEOUT_MS": "5000", "BODY_IDLE_TIMEOUT_MS": "7000",
            "MAX_CONNECTIONS": "64", "SHUTDOWN_TIMEOUT_MS": "0", "ALLOWED_HOSTS": "gw.internal, LocalHost:3000",
            "CLIENT_WRITE_TIMEOUT_MS": "1500", "LISTEN_BACKLOG": "4096",
        ])
        #expect(set.clientWriteTimeout == .milliseconds(1500))
        #expect(set.listenBacklog == 4096)
        #expect(set.headerReadTimeout == .seconds(2))
        #expect(set.idleTimeout == .seconds(5))
        #expect(set.bodyIdleTimeout == .seconds(7))
        #expect(set.maxConnections == 64)
        #expect(set.shutdownTimeout == .zero)
        #expect(set.allowedHosts == ["gw.internal", "localhost:3000"])
        do {
            _ = try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "sk-abc", "MAX_CONNECTIONS": "0", "HEADER_READ_TIMEOUT_MS": "x"])
            Issue.record("expected problems")
        } catch {
            #expect(Set(error.lines.map { String($0.prefix { $0 != ":" }) }) == ["MAX_CONNECTIONS", "HEADER_READ_TIMEOUT_MS"])
        }
    }

    @Test("every problem is reported, one line per key")
    func problems() {
        do {
            _ = try GatewayConfiguration.load(environment: [
                "PORT": "abc", "OPENAI_MAX_RETRIES": "11", "OPENAI_TIMEOUT": "-5", "LOG_LEVEL": "loud",
                "OPENAI_BASE_URL": "not a url", "NODE_ENV": "staging", "OPENAI_RETRY_DELAY": "0",
                "VIDEO_GENERATION_TIMEOUT": "4000000",
            ])
            Issue.record("expected problems")
        } catch {
            let keys = error.lines.map { String($0.prefix { $0 != ":" }) }
            #expect(
                Set(keys) == [
                    "PORT", "OPENAI_MAX_RETRIES", "OPENAI_TIMEOUT", "LOG_LEVEL", "OPENAI_BASE_URL", "NODE_ENV", "OPENAI_RETRY_DELAY",
                    "VIDEO_GENERATION_TIMEOUT", "OPENAI_API_KEY",
                ]
            )
        }
    }

    @Test("the key is required unless --simulator; sk- is enforced only for api.openai.com")
    func keyRules() throws {
        #expect(throws: GatewayConfiguration.Problems.self) { try GatewayConfiguration.load(environment: [:]) }
        #expect(throws: GatewayConfiguration.Problems.self) { try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "abc"]) }
        let simulator = try GatewayConfiguration.load(environment: [:], overrides: .init(useSimulator: true))
        #expect(simulator.useSimulator)
        let other = try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "abc", "OPENAI_BASE_URL": "http://localhost:8080/v1"])
        #expect(other.baseURL == "http://localhost:8080/v1")
    }

    @Test("both base URL names work; OPENAI_BASE_URL wins")
    func baseURLNames() throws {
        let legacy = try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "k", "OPENAI_API_BASE_URL": "http://a.test/v1"])
        #expect(legacy.baseURL == "http://a.test/v1")
        let both = try GatewayConfiguration.load(environment: [
            "OPENAI_API_KEY": "k", "OPENAI_API_BASE_URL": "http://a.test/v1", "OPENAI_BASE_URL": "http://b.test/v1",
        ])
        #expect(both.baseURL == "http://b.test/v1")
    }

    @Test("precedence: flags, then environment, then .env, then defaults")
    func precedence() throws {
        let dotEnv = """
            # comment
            export PORT=4000
            OPENAI_API_KEY="sk-from-dotenv"
            LOG_DIR='/tmp/from-dotenv' # trailing comment
            OPENAI_DEFAULT_MODEL=gpt-5
            """
        let config = try GatewayConfiguration.load(
            environment: ["OPENAI_DEFAULT_MODEL": "gpt-4.1", "PORT": "5000"],
            dotEnv: dotEnv,
            overrides: .init(port: 6000)
        )
        #expect(config.port == 6000)
        #expect(config.defaultModel == "gpt-4.1")
        #expect(config.apiKey == "sk-from-dotenv")
        #expect(config.logDirectory == "/tmp/from-dotenv")
        let noFlag = try GatewayConfiguration.load(environment: ["PORT": "5000"], dotEnv: dotEnv)
        #expect(noFlag.port == 5000)
    }

    @Test("retry settings reach the upstream client")
    func retrySettings() throws {
        let config = try GatewayConfiguration.load(environment: [
            "OPENAI_API_KEY": "sk-x", "OPENAI_MAX_RETRIES": "5", "OPENAI_RETRY_DELAY": "250", "OPENAI_TIMEOUT": "1500",
            "OPENAI_ORGANIZATION": "org-1", "OPENAI_PROJECT": "proj-1",
        ])
        let client = config.openAIConfiguration()
        #expect(client.retryPolicy.maxRetries == 5)
        #expect(client.retryPolicy.baseDelay == .milliseconds(250))
        #expect(client.timeout == .milliseconds(1500))
        #expect(client.organization == "org-1")
        #expect(client.project == "proj-1")
    }
}
