import NIOCore

/// Decodes a `text/event-stream` byte stream into events, following the WHATWG HTML
/// "event stream interpretation" rules.
///
/// The parser is a value type fed with bytes as they arrive. It keeps incomplete lines between
/// calls, so a line, a CRLF pair or a multi-byte UTF-8 character may be split across buffers;
/// bytes are decoded to text only once a line is complete.
///
/// ```swift
/// var parser = ServerSentEventParser()
/// parser.append(Array("data: hel".utf8))
/// parser.nextEvent()                      // nil: the line is not complete yet
/// parser.append(Array("lo\n\n".utf8))
/// parser.nextEvent()?.data                // "hello"
/// ```
///
/// Events are produced lazily by ``nextEvent()``; call it until it returns `nil` after each
/// ``append(_:)``. An event whose blank line never arrives is not dispatched.
public struct ServerSentEventParser: Sendable {
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let colon = UInt8(ascii: ":")
    private static let space = UInt8(ascii: " ")

    /// Received bytes; everything before `readIndex` has been consumed.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Bytes from `readIndex` up to here are known to hold no line end, so scanning resumes here
    /// (a long line arriving in many small chunks is then scanned once, not once per chunk).
    private var scanIndex = 0
    /// The previous line ended in CR: an LF that comes next (maybe in the next buffer) belongs to it.
    private var skipLeadingLF = false
    /// No line has been read yet, so a UTF-8 byte order mark may still have to be dropped.
    private var atStreamStart = true
    private var isFinished = false

    // The WHATWG buffers of the event being assembled.
    private var dataBuffer: [UInt8] = []
    private var eventTypeBuffer: String?
    private var pendingRetry: Int?

    /// The last event ID buffer; it persists from one event to the next as WHATWG requires.
    public private(set) var lastEventID: String = ""
    /// The last valid `retry:` value seen in the stream, in milliseconds.
    public private(set) var reconnectionTime: Int?

    public init() {}

    /// True once the input has ended (``finish()``) and been drained by ``nextEvent()`` while an
    /// event was still incomplete: the stream was cut in the middle of an event.
    public private(set) var endedWithIncompleteEvent = false

    /// True when bytes were received that do not (yet) form a complete event: a partial line, or
    /// fields not yet closed by a blank line.
    public var hasPendingData: Bool {
        readIndex < buffer.count || !dataBuffer.isEmpty || eventTypeBuffer != nil
    }

    /// Bytes held for events not yet returned: the unread input and the data of the event being assembled.
    /// A caller bounds an event's size with it (one upstream line of 200 MB must not become 200 MB of memory).
    public var pendingByteCount: Int { buffer.count - readIndex + dataBuffer.count }

    /// Adds received bytes. Call ``nextEvent()`` afterwards until it returns `nil`.
    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard !isFinished else { return }
        compactIfUseful()
        buffer.append(contentsOf: bytes)
    }

    /// Adds the readable bytes of a buffer.
    public mutating func append(_ bytes: ByteBuffer) {
        append(bytes.readableBytesView)
    }

    /// Marks the end of the input. Complete events already received can still be read with
    /// ``nextEvent()``; a trailing incomplete event is discarded, as WHATWG requires.
    public mutating func finish() {
        isFinished = true
    }

    /// The next complete event, or `nil` when more bytes are needed (or the input has ended).
    public mutating func nextEvent() -> ServerSentEvent? {
        while let line = nextLine() {
            if let event = processLine(line) { return event }
        }
        if isFinished { discardPending() }
        return nil
    }

    // MARK: - Lines

    /// Drops consumed bytes when that halves the buffer, keeping the work linear overall.
    private mutating func compactIfUseful() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
        } else {
            return
        }
        scanIndex -= readIndex
        readIndex = 0
    }

    /// The byte range of the next complete line (without its line end), consuming it.
    private mutating func nextLine() -> Range<Int>? {
        let count = buffer.count
        if skipLeadingLF, readIndex < count {
            skipLeadingLF = false
            if buffer[readIndex] == Self.lf {
                readIndex += 1
            }
        }
        let start = readIndex
        let scanFrom = max(scanIndex, start)
        let end: Int? = buffer.withUnsafeBufferPointer { bytes in
            var index = scanFrom
            while index < count {
                let byte = bytes[index]
                if byte == Self.lf || byte == Self.cr { return index }
                index += 1
            }
            return nil
        }
        guard let end else {
            scanIndex = count
            return nil
        }
        if buffer[end] == Self.cr {
            if end + 1 < count {
                readIndex = buffer[end + 1] == Self.lf ? end + 2 : end + 1
            } else {
                // The LF of a CRLF may be the first byte of the next buffer.
                readIndex = end + 1
                skipLeadingLF = true
            }
        } else {
            readIndex = end + 1
        }
        scanIndex = readIndex
        var lineStart = start
        if atStreamStart {
            atStreamStart = false
            if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                lineStart += 3
            }
        }
        return lineStart..<end
    }

    // MARK: - Fields

    /// Applies one line; returns an event when the line is blank and an event is ready.
    private mutating func processLine(_ line: Range<Int>) -> ServerSentEvent? {
        if line.isEmpty { return dispatch() }
        if buffer[line.lowerBound] == Self.colon { return nil }  // comment

        let nameEnd = buffer[line].firstIndex(of: Self.colon) ?? line.upperBound
        var valueStart = nameEnd
        if nameEnd < line.upperBound {
            valueStart += 1
            if valueStart < line.upperBound, buffer[valueStart] == Self.space { valueStart += 1 }
        }
        let name = buffer[line.lowerBound..<nameEnd]
        let value = buffer[valueStart..<line.upperBound]

        if name.elementsEqual("data".utf8) {
            dataBuffer.append(contentsOf: value)
            dataBuffer.append(Self.lf)
        } else if name.elementsEqual("event".utf8) {
            eventTypeBuffer = String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual("id".utf8) {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if name.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let milliseconds = Int(String(decoding: value, as: UTF8.self))
            {
                pendingRetry = milliseconds
                reconnectionTime = milliseconds
            }
        }
        // Any other field name is ignored.
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            eventTypeBuffer = nil
            pendingRetry = nil
        }
        guard !dataBuffer.isEmpty else { return nil }
        let data = String(decoding: dataBuffer[..<(dataBuffer.count - 1)], as: UTF8.self)
        let eventType = eventTypeBuffer.flatMap { $0.isEmpty ? nil : $0 }
        return ServerSentEvent(
            event: eventType,
            data: data,
            id: lastEventID.isEmpty ? nil : lastEventID,
            retry: pendingRetry
        )
    }

    private mutating func discardPending() {
        if hasPendingData { endedWithIncompleteEvent = true }
        buffer.removeAll()
        readIndex = 0
        scanIndex = 0
        dataBuffer.removeAll()
        eventTypeBuffer = nil
        pendingRetry = nil
    }
}
