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
/// lines so that the decoder on the other side rebuilds exactly the same text. Works on UTF-8 bytes
/// (a relay encodes every event it forwards).
public enum ServerSentEventEncoder {
    /// The bytes of one event, ending with the blank line that dispatches it.
    public static func encode(_ event: ServerSentEvent) -> String {
        String(buffer: buffer(event))
    }

    /// Appends one event to `buffer`, ending with the blank line that dispatches it.
    public static func write(_ event: ServerSentEvent, into buffer: inout ByteBuffer) {
        if let id = event.id { writeField("id: ", singleLine: id, into: &buffer) }
        if let name = event.event { writeField("event: ", singleLine: name, into: &buffer) }
        if let retry = event.retry {
            buffer.writeStaticString("retry: ")
            buffer.writeString(String(retry))
            buffer.writeInteger(newline)
        }
        var data = event.data
        data.withUTF8 { bytes in
            var start = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == newline || byte == carriageReturn {
                    writeDataLine(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index])), into: &buffer)
                    if byte == carriageReturn, index + 1 < bytes.count, bytes[index + 1] == newline { index += 1 }
                    start = index + 1
                }
                index += 1
            }
            writeDataLine(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count])), into: &buffer)
        }
        buffer.writeInteger(newline)
    }

    /// A comment line (ignored by clients), e.g. `: keep-alive`.
    public static func comment(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .map { ": \($0)\n" }.joined() + "\n"
    }

    /// Encodes into a new buffer.
    public static func buffer(_ event: ServerSentEvent, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: event.data.utf8.count + 48)
        write(event, into: &buffer)
        return buffer
    }

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    private static func writeDataLine(_ line: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("data: ")
        buffer.writeBytes(line)
        buffer.writeInteger(newline)
    }

    /// `name` then `value` without its line breaks (a field value is one line).
    private static func writeField(_ name: StaticString, singleLine value: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(name)
        if value.utf8.contains(where: { $0 == newline || $0 == carriageReturn }) {
            buffer.writeBytes(value.utf8.filter { $0 != newline && $0 != carriageReturn })
        } else {
            buffer.writeString(value)
        }
        buffer.writeInteger(newline)
    }
}
