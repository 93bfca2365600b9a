import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite("Polling rules")
struct PollingRulesTests {
    @Test("the reference app's backoff: 5, 10, 15, 20, 20 seconds")
    func backoff() {
        let backoff = PollBackoff()
        #expect((1...6).map { backoff.delay(afterRetrieve: $0) } == [5, 10, 15, 20, 20, 20].map { Duration.seconds($0) })
        let short = PollBackoff(first: .milliseconds(20), step: .milliseconds(30), maximum: .milliseconds(60))
        #expect((1...4).map { short.delay(afterRetrieve: $0) } == [20, 50, 60, 60].map { Duration.milliseconds($0) })
    }

    @Test("a wait is whole milliseconds in 1...3600000, as a query string or a JSON number")
    func maxWait() throws {
        #expect(try Polling.maxWait(nil as String?, parameter: "maxWaitMs", default: .seconds(600)) == .seconds(600))
        #expect(try Polling.maxWait("1500", parameter: "maxWaitMs", default: .zero) == .milliseconds(1500))
        #expect(try Polling.maxWait(JSONValue.int(3_600_000), parameter: "max_wait_ms", default: .zero) == .seconds(3600))
        #expect(try Polling.maxWait(JSONValue.double(250), parameter: "max_wait_ms", default: .zero) == .milliseconds(250))
        #expect(try Polling.maxWait(JSONValue.null, parameter: "max_wait_ms", default: .seconds(1)) == .seconds(1))
        let bad: [(String?, JSONValue?)] = [
            ("0", nil), ("-5", nil), ("3600001", nil), ("soon", nil), ("1.5", nil),
            (nil, .double(0.5)), (nil, .bool(true)), (nil, .int(0)), (nil, .array([])),
        ]
        for (raw, json) in bad {
            do throws(GatewayError) {
                if let json {
                    _ = try Polling.maxWait(json, parameter: "max_wait_ms", default: .zero)
                } else {
                    _ = try Polling.maxWait(raw, parameter: "max_wait_ms", default: .zero)
                }
                Issue.record("accepted \(raw ?? json?.jsonString ?? "")")
            } catch {
                #expect(error.status == .badRequest)
                #expect(error.parameter == "max_wait_ms")
                #expect(error.hint?.contains("3600000") == true)
            }
        }
    }

    @Test("retired models are refused only in front of api.openai.com")
    func retirement() throws {
        let catalogue = ModelCatalogue.bundled
        let info = try #require(ModelRetirement.retired("dall-e-3", catalogue: catalogue, baseURL: "https://api.openai.com/v1"))
        #expect(ModelRetirement.retired("dall-e-3", catalogue: catalogue, baseURL: "http://127.0.0.1:9999/v1") == nil)
        #expect(ModelRetirement.retired("gpt-image-1", catalogue: catalogue, baseURL: "https://api.openai.com/v1") == nil)
        #expect(ModelRetirement.retired("no-such-model", catalogue: catalogue, baseURL: "https://api.openai.com/v1") == nil)
        let error = ModelRetirement.error(info, requested: "dall-e-3", status: .badRequest)
        #expect(error.errorCode == "model_retired")
        #expect(error.message == "model dall-e-3 was retired on 2026-05-12")
        #expect(error.hint == "Use gpt-image-1 instead.")
    }
}
