import NIOCore

/// One event of a `text/event-stream` (WHATWG HTML, "Server-sent events").
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field; `nil` means the default type `message`.
    public var event: String?
    /// The `data:` lines joined by `\n`.
    public var data: String
    /// The `id:` field of this event, if it had one.
    public var id: String?
    /// The `retry:` field (milliseconds), if the event had one.
    public var retry: Int?

    public init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }
}

/// Writes events in the `text/event-stream` format.
///
/// Multi-line data becomes several `data:` lines; CR and CRLF inside data are normalised to LF
/// lines so that the decoder on the other side rebuilds exactly the same text.
public enum ServerSentEventEncoder {
    /// The bytes of one event, ending with the blank line that dispatches it.
    public static func encode(_ event: ServerSentEvent) -> String {
        var out = ""
        out.reserveCapacity(event.data.utf8.count + 32)
        if let id = event.id { out += "id: \(singleLine(id))\n" }
        if let name = event.event { out += "event: \(singleLine(name))\n" }
        if let retry = event.retry { out += "retry: \(retry)\n" }
        var line = Substring()
        var rest = Substring(event.data)
        repeat {
            if let cut = rest.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                line = rest[..<cut]
                rest = rest[rest.index(after: cut)...]
                out += "data: \(line)\n"
                if rest.isEmpty { out += "data: \n" }
            } else {
                out += "data: \(rest)\n"
                rest = ""
            }
        } while !rest.isEmpty
        out += "\n"
        return out
    }

    /// A comment line (ignored by clients), e.g. `: keep-alive`.
    public static func comment(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .map { ": \($0)\n" }.joined() + "\n"
    }

    /// Encodes into a new buffer.
    public static func buffer(_ event: ServerSentEvent, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        let text = encode(event)
        var buffer = allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        return buffer
    }

    private static func singleLine(_ value: String) -> String {
        value.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            ? String(value.filter { $0 != "\n" && $0 != "\r" && $0 != "\r\n" }) : value
    }
}
