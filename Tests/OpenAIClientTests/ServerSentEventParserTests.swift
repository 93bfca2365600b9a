import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

/// Feeds `chunks` one after the other, reading events after each, then finishes.
private func decode(chunks: [[UInt8]]) -> (events: [ServerSentEvent], parser: ServerSentEventParser) {
    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.nextEvent() { events.append(event) }
    }
    parser.finish()
    while let event = parser.nextEvent() { events.append(event) }
    return (events, parser)
}

/// Every way the tests split a transcript: whole, one byte at a time, and seeded random sizes.
private func chunkings(of bytes: [UInt8]) -> [(name: String, chunks: [[UInt8]])] {
    var result: [(String, [[UInt8]])] = [("whole", [bytes]), ("bytewise", bytes.map { [$0] })]
    for seed in UInt64(1)...8 {
        var generator = SplitMix64(seed: seed)
        var chunks: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let size = Int.random(in: 1...7, using: &generator)
            let end = min(index + size, bytes.count)
            chunks.append(Array(bytes[index..<end]))
            index = end
        }
        result.append(("random seed \(seed)", chunks))
    }
    return result
}

/// Decodes `bytes` under every chunking and checks that each gives `expected`.
private func expectEvents(
    _ bytes: [UInt8],
    _ expected: [ServerSentEvent],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for (name, chunks) in chunkings(of: bytes) {
        let events = decode(chunks: chunks).events
        #expect(events == expected, "chunking: \(name)", sourceLocation: sourceLocation)
    }
}

private func expectEvents(
    _ text: String,
    _ expected: [ServerSentEvent],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectEvents(Array(text.utf8), expected, sourceLocation: sourceLocation)
}

@Suite("ServerSentEventParser")
struct ServerSentEventParserTests {
    @Test func fieldsOfOneEvent() {
        expectEvents(
            "event: response.created\ndata: {\"a\":1}\nid: evt_1\n\n",
            [ServerSentEvent(event: "response.created", data: #"{"a":1}"#, id: "evt_1")]
        )
    }

    @Test func multiLineDataIsJoinedWithLF() {
        expectEvents(
            "data: a\ndata: b\ndata:\ndata:  c\ndata\n\n",
            [ServerSentEvent(data: "a\nb\n\n c\n")]
        )
    }

    @Test func onlyOneSpaceAfterTheColonIsRemoved() {
        expectEvents("data:x\n\ndata:  y\n\n", [ServerSentEvent(data: "x"), ServerSentEvent(data: " y")])
    }

    @Test func crLfAndCrlfAllEndLines() {
        expectEvents(
            "data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\ndata: e\r\r\n",
            ["a", "b", "c", "d\ne"].map { ServerSentEvent(data: $0) }
        )
    }

    @Test func crlfSplitAcrossBuffersIsOneLineEnd() {
        // Were CR and LF two line ends, the LF would be a blank line dispatching "a" alone.
        let events = decode(chunks: [Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r".utf8), Array("\n".utf8)])
            .events
        #expect(events == [ServerSentEvent(data: "a\nb")])
    }

    @Test func commentsAndUnknownFieldsAreIgnored() {
        expectEvents(
            ": keep-alive\n\n:\n:comment\ndata: x\nfoo: bar\n: another\n\n",
            [ServerSentEvent(data: "x")]
        )
    }

    @Test func retryNeedsDigitsOnly() {
        let text = "retry: 1000\ndata: x\n\nretry: 10a\ndata: y\n\nretry:\ndata: z\n\nretry: -5\ndata: w\n\n"
        expectEvents(
            text,
            [
                ServerSentEvent(data: "x", retry: 1000), ServerSentEvent(data: "y"), ServerSentEvent(data: "z"),
                ServerSentEvent(data: "w"),
            ]
        )
        #expect(decode(chunks: [Array(text.utf8)]).parser.reconnectionTime == 1000)
    }

    @Test func lastEventIDPersistsAndNulIsIgnored() {
        var bytes = Array("id: 1\ndata: a\n\ndata: b\n\nid: 7\ndata: c\n\n".utf8)
        bytes += Array("id: x".utf8) + [0] + Array("y\ndata: d\n\nid\ndata: e\n\n".utf8)
        expectEvents(
            bytes,
            [
                ServerSentEvent(data: "a", id: "1"), ServerSentEvent(data: "b", id: "1"),
                ServerSentEvent(data: "c", id: "7"), ServerSentEvent(data: "d", id: "7"), ServerSentEvent(data: "e"),
            ]
        )
    }

    @Test func eventTypeResetsAfterDispatchAndEmptyDataIsNotDispatched() {
        expectEvents(
            "event: ping\n\nevent: a\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n",
            [ServerSentEvent(event: "a", data: "1"), ServerSentEvent(data: "2"), ServerSentEvent(data: "3")]
        )
    }

    @Test func leadingByteOrderMarkIsIgnoredOnlyAtTheStart() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        expectEvents(bom + Array("data: x\n\n".utf8), [ServerSentEvent(data: "x")])
        // A BOM later in the stream is part of the field name, which is then unknown.
        expectEvents(bom + Array("data: x\n\n".utf8) + bom + Array("data: y\n\n".utf8), [ServerSentEvent(data: "x")])
    }

    @Test(arguments: ["é", "€", "😀", "héllo €100 😀 done"])
    func multiByteCharactersSplitAcrossBuffers(_ text: String) {
        let bytes = Array("data: \(text)\n\n".utf8)
        expectEvents(bytes, [ServerSentEvent(data: text)])
        // Every split point, including each one inside a character.
        for cut in 1..<bytes.count {
            let events = decode(chunks: [Array(bytes[..<cut]), Array(bytes[cut...])]).events
            #expect(events == [ServerSentEvent(data: text)], "cut at \(cut)")
        }
    }

    @Test func doneSentinel() throws {
        let events = decode(chunks: [Array("data: {\"x\":1}\n\ndata: [DONE]\n\n".utf8)]).events
        #expect(events.count == 2)
        let last = try #require(events.last)
        #expect(ResponseStreamEvent.isDone(last))
        #expect(!ResponseStreamEvent.isDone(events[0]))
    }

    @Test func incompleteTrailingEventIsDiscarded() {
        expectEvents("data: a\n\ndata: b\n", [ServerSentEvent(data: "a")])
        expectEvents("data: a\n\ndata: b", [ServerSentEvent(data: "a")])
        #expect(decode(chunks: [Array("data: a\n\ndata: b\n".utf8)]).parser.endedWithIncompleteEvent)
        #expect(!decode(chunks: [Array("data: a\n\n".utf8)]).parser.endedWithIncompleteEvent)
    }

    @Test func eventsAreReadLazilyAndAppendAfterFinishIsIgnored() {
        var parser = ServerSentEventParser()
        parser.append(Array("data: 1\n\ndata: 2\n\n".utf8))
        parser.finish()
        parser.append(Array("data: 3\n\n".utf8))
        #expect(parser.nextEvent()?.data == "1")
        #expect(parser.nextEvent()?.data == "2")
        #expect(parser.nextEvent() == nil)
    }

    @Test(arguments: [
        "a\nb", "a\r\nb", "a\rb", "  leading spaces", "\n\nx\n", "", "trailing\n", "\n", "line\n\n\nwith gaps",
        ": not a comment", "data: nested", "é€😀\r\n",
    ])
    func encoderParserRoundTrip(_ data: String) {
        let event = ServerSentEvent(event: "response.output_text.delta", data: data, id: "id-1", retry: 250)
        let text = ServerSentEventEncoder.encode(event)
        // The encoder normalises CR and CRLF inside data to LF; everything else comes back unchanged.
        var expected = event
        expected.data = data.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        expectEvents(text + text, [expected, expected])
    }

    @Test func largeLineInSmallChunksIsLinear() {
        // A 2 MiB line arriving in 64-byte chunks, then many small events: quadratic rescanning or
        // compaction would take minutes here.
        let payload = String(repeating: "0123456789abcdef", count: 131_072)
        var bytes = Array("data: \(payload)\n\n".utf8)
        for index in 0..<20_000 { bytes += Array("data: \(index)\n\n".utf8) }
        let start = ContinuousClock.now
        var parser = ServerSentEventParser()
        var count = 0
        var first: String?
        var index = 0
        while index < bytes.count {
            let end = min(index + 64, bytes.count)
            parser.append(bytes[index..<end])
            while let event = parser.nextEvent() {
                if first == nil { first = event.data }
                count += 1
            }
            index = end
        }
        #expect(first == payload)
        #expect(count == 20_001)
        #expect(ContinuousClock.now - start < .seconds(20))
    }
}

@Suite("ServerSentEventSequence")
struct ServerSentEventSequenceTests {
    private static func stream(_ chunks: [String]) -> AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            for chunk in chunks { continuation.yield(ByteBuffer(string: chunk)) }
            continuation.finish()
        }
    }

    @Test func decodesAnAsyncStreamOfBuffers() async throws {
        let body = Self.stream(["event: a\nda", "ta: h\u{E9}", "llo\r", "\n\r\ndata: [DONE]\n", "\ndata: partial"])
        var events: [ServerSentEvent] = []
        for try await event in body.serverSentEvents { events.append(event) }
        #expect(events == [ServerSentEvent(event: "a", data: "héllo"), ServerSentEvent(data: "[DONE]")])
    }

    @Test func rethrowsTheBodyError() async {
        struct BodyFailed: Error {}
        let body = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            continuation.yield(ByteBuffer(string: "data: one\n\ndata: two"))
            continuation.finish(throwing: BodyFailed())
        }
        var received: [String] = []
        await #expect(throws: BodyFailed.self) {
            for try await event in body.serverSentEvents { received.append(event.data) }
        }
        #expect(received == ["one"])
    }

    @Test("an event larger than the limit ends the sequence with responseTooLarge; one at the limit passes")
    func boundsTheEventSize() async throws {
        let line = String(repeating: "x", count: 10_000)
        var small: [String] = []
        for try await event in Self.stream(["data: ok\n\n", "data: " + line, "\n\n"]).serverSentEvents(maxEventBytes: 20_000) {
            small.append(event.data)
        }
        #expect(small == ["ok", line])
        // The same event, 1 KB at a time, with a 4 KB limit: refused once more than 4 KB are held.
        let chunks = ["data: ok\n\n"] + Array(repeating: String(repeating: "y", count: 1_000), count: 50)
        var received: [String] = []
        do {
            for try await event in Self.stream(chunks).serverSentEvents(maxEventBytes: 4_096) { received.append(event.data) }
            Issue.record("no error")
        } catch let error as OpenAIError {
            #expect(error.kind == .responseTooLarge)
            #expect(error.message.contains("4096"))
        }
        #expect(received == ["ok"])
    }

    @Test func cancellingTheConsumerEndsIteration() async throws {
        let (body, continuation) = AsyncStream<ByteBuffer>.makeStream()
        continuation.yield(ByteBuffer(string: "data: first\n\n"))
        let consumer = Task {
            var count = 0
            for try await _ in body.serverSentEvents { count += 1 }
            return count
        }
        // The body never finishes by itself; only cancellation can end the loop.
        try await Task.sleep(for: .milliseconds(50))
        consumer.cancel()
        let count = try await consumer.value
        #expect(count == 1)
        continuation.finish()
    }
}
