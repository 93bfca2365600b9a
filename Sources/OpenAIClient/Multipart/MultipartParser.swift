import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The headers of one part of a `multipart/form-data` body.
public struct MultipartPartHead: Sendable, Hashable {
    /// The `name` parameter of the part's `Content-Disposition`.
    public var name: String?
    /// The file name: `filename*` (RFC 5987) when present and decodable, else `filename`.
    public var filename: String?
    /// The part's `Content-Type`.
    public var contentType: String?
    /// Every header of the part, keyed by lower-cased name (a repeated header keeps its last value).
    public var headers: [String: String]

    public init(name: String?, filename: String?, contentType: String?, headers: [String: String] = [:]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.headers = headers
    }
}

/// What ``MultipartParser`` read next.
public enum MultipartEvent: Sendable, Hashable {
    /// A part starts.
    case head(MultipartPartHead)
    /// Some bytes of the current part's body; never empty. A body arrives as any number of these.
    case body(ByteBuffer)
    /// The current part is complete.
    case partEnd
    /// The closing boundary was read; anything after it is ignored.
    case end
}

/// A malformed or truncated multipart body.
public struct MultipartError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }

    public init(reason: String) {
        self.reason = reason
    }
}

/// Decodes a `multipart/form-data` body (RFC 7578 / RFC 2046) incrementally, without holding
/// part bodies in memory.
///
/// Feed received buffers with ``append(_:)`` and drain events with ``next()`` until it returns
/// `nil`; call ``finish()`` when the input ends. Body bytes are handed out as slices of the
/// appended buffers; only a tail that could be the start of a delimiter split across buffers is
/// held back, so memory stays bounded by the boundary length (and `maxHeaderBytes` for headers).
///
/// ```swift
/// var parser = MultipartParser(boundary: "xyz")
/// parser.append(ByteBuffer(string: "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--"))
/// while let event = try parser.next() { ... }  // .head(name "a"), .body("1"), .partEnd, .end
/// try parser.finish()
/// ```
public struct MultipartParser: Sendable {
    private enum State: Sendable {
        /// Skipping bytes before the first delimiter.
        case preamble
        /// A delimiter was consumed: `--` (the end) or padding and a line end follow.
        case afterDelimiter
        case headers
        case body
        case done
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let dash = UInt8(ascii: "-")

    /// `CRLF--boundary`: what ends a part's body.
    private let delimiter: [UInt8]
    private let maxHeaderBytes: Int
    private var state = State.preamble
    private var buffer: ByteBuffer
    /// Bytes of the current header block (and the padding before it), against `maxHeaderBytes`.
    private var headerBytes = 0
    private var preambleBytes = 0
    private var currentHeaders: [String: String] = [:]

    /// - Parameters:
    ///   - boundary: The `boundary` parameter of the body's content type.
    ///   - maxHeaderBytes: The most bytes one part's header block (and the preamble) may take.
    public init(boundary: String, maxHeaderBytes: Int = 16 * 1024) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.maxHeaderBytes = maxHeaderBytes
        // The first delimiter may open the body without a line end before it: pretend there was one.
        self.buffer = ByteBuffer(string: "\r\n")
    }

    /// The boundary parameter of a `multipart/form-data; boundary=...` content type (quoted or
    /// not), `nil` if absent or invalid (RFC 2046: 1 to 70 printable ASCII characters).
    public static func boundary(fromContentType contentType: String) -> String? {
        let trimmed = contentType.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.lowercased().hasPrefix("multipart/") else { return nil }
        guard let value = HeaderParameters.parse(contentType).last(where: { $0.name == "boundary" })?.value
        else { return nil }
        let bytes = Array(value.utf8)
        guard (1...70).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
            bytes.last != UInt8(ascii: " ")
        else { return nil }
        return value
    }

    /// Adds received bytes. Call ``next()`` afterwards until it returns `nil`.
    public mutating func append(_ input: ByteBuffer) {
        if case .done = state { return }
        if buffer.readableBytes == 0 {
            buffer = input  // the common case in a body: no copy at all
        } else {
            // Only held-back bytes (a possible partial delimiter or header line) are moved.
            buffer.discardReadBytes()
            buffer.writeImmutableBuffer(input)
        }
    }

    /// The next event, or `nil` when more input is needed.
    ///
    /// Throws on malformed input: no delimiter within `maxHeaderBytes` of the start, a header block
    /// larger than `maxHeaderBytes`, a header line without a colon, or bytes other than padding
    /// and a line end after a delimiter. A part without a `name` is allowed (its name is `nil`).
    public mutating func next() throws(MultipartError) -> MultipartEvent? {
        // Every pass consumes input or changes state, so the loop ends with the input.
        while true {
            switch state {
            case .preamble:
                let (found, safe) = scanForDelimiter()
                if let found {
                    buffer.moveReaderIndex(forwardBy: found + delimiter.count)
                    headerBytes = 0
                    state = .afterDelimiter
                } else {
                    buffer.moveReaderIndex(forwardBy: safe)
                    preambleBytes += safe
                    if preambleBytes > maxHeaderBytes + 2 {
                        throw MultipartError(reason: "no multipart boundary found at the start of the body")
                    }
                    return nil
                }
            case .body:
                let (found, safe) = scanForDelimiter()
                if found == 0 {
                    buffer.moveReaderIndex(forwardBy: delimiter.count)
                    headerBytes = 0
                    state = .afterDelimiter
                    return .partEnd
                }
                let length = found ?? safe
                guard length > 0, let slice = buffer.readSlice(length: length) else { return nil }
                return .body(slice)
            case .afterDelimiter:
                if let event = try readAfterDelimiter() { return event }
                if case .afterDelimiter = state { return nil }
            case .headers:
                guard let line = try nextHeaderLine() else { return nil }
                if line.readableBytes == 0 {
                    let head = makeHead()
                    currentHeaders = [:]
                    state = .body
                    return .head(head)
                }
                try addHeader(line)
            case .done:
                return nil
            }
        }
    }

    /// The input ended. Call it once ``next()`` has returned `nil`: it throws if the closing
    /// boundary was not read ("the multipart body ended early").
    public mutating func finish() throws(MultipartError) {
        guard case .done = state else {
            throw MultipartError(reason: "the multipart body ended early")
        }
    }

    // MARK: - Delimiters

    /// Where the next delimiter starts in the readable bytes, and otherwise how many leading bytes
    /// cannot be part of one (those after them might be a delimiter cut by the end of the input).
    private func scanForDelimiter() -> (found: Int?, safe: Int) {
        buffer.withUnsafeReadableBytes { bytes -> (Int?, Int) in
            let count = bytes.count
            guard count > 0, let base = bytes.baseAddress else { return (nil, 0) }
            return delimiter.withUnsafeBytes { needle -> (Int?, Int) in
                guard let needleBase = needle.baseAddress else { return (nil, count) }
                // Glibc hides memmem (it needs _GNU_SOURCE), so jump between CRs with memchr and
                // compare there: still a C scan, and a CR is rare enough in most bodies.
                var start = 0
                while start < count {
                    guard let cr = memchr(base + start, Int32(Self.cr), count - start) else { break }
                    let offset = base.distance(to: UnsafeRawPointer(cr))
                    let available = min(needle.count, count - offset)
                    if memcmp(base + offset, needleBase, available) == 0 {
                        // A whole delimiter, or the start of one cut by the end of the input.
                        return available == needle.count ? (offset, 0) : (nil, offset)
                    }
                    start = offset + 1
                }
                return (nil, count)
            }
        }
    }

    /// Reads what follows a delimiter: `--` ends the body, else optional padding and a line end.
    private mutating func readAfterDelimiter() throws(MultipartError) -> MultipartEvent? {
        let malformed = MultipartError(reason: "unexpected bytes after a multipart boundary")
        while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)
            switch byte {
            case Self.dash:
                guard let second else { return nil }
                guard second == Self.dash else { throw malformed }
                state = .done
                buffer = ByteBuffer()  // the epilogue is ignored
                return .end
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                buffer.moveReaderIndex(forwardBy: 1)
                headerBytes += 1
                if headerBytes > maxHeaderBytes { throw malformed }
            case Self.cr:
                guard let second else { return nil }
                guard second == Self.lf else { throw malformed }
                buffer.moveReaderIndex(forwardBy: 2)
                state = .headers
                return nil
            case Self.lf:
                buffer.moveReaderIndex(forwardBy: 1)
                state = .headers
                return nil
            default:
                throw malformed
            }
        }
        return nil
    }

    // MARK: - Headers

    /// The next header line without its line end (CRLF or a bare LF), `nil` if incomplete.
    private mutating func nextHeaderLine() throws(MultipartError) -> ByteBuffer? {
        let tooLarge = MultipartError(reason: "multipart part headers exceed \(maxHeaderBytes) bytes")
        let lineLength: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, let lf = memchr(base, Int32(Self.lf), bytes.count) else {
                return nil
            }
            return base.distance(to: UnsafeRawPointer(lf))
        }
        guard let lineLength else {
            if headerBytes + buffer.readableBytes > maxHeaderBytes { throw tooLarge }
            return nil
        }
        headerBytes += lineLength + 1
        if headerBytes > maxHeaderBytes { throw tooLarge }
        guard var line = buffer.readSlice(length: lineLength) else { return nil }
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == Self.cr { line.moveWriterIndex(to: line.writerIndex - 1) }
        return line
    }

    private mutating func addHeader(_ line: ByteBuffer) throws(MultipartError) {
        let bytes = line.readableBytesView
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            throw MultipartError(reason: "malformed multipart part header line")
        }
        let name = HeaderParameters.trimmed(String(decoding: bytes[..<colon], as: UTF8.self)).lowercased()
        guard !name.isEmpty else { throw MultipartError(reason: "malformed multipart part header line") }
        let value = HeaderParameters.trimmed(String(decoding: bytes[(colon + 1)...], as: UTF8.self))
        currentHeaders[name] = value
    }

    private func makeHead() -> MultipartPartHead {
        var name: String?
        var filename: String?
        var extendedFilename: String?
        if let disposition = currentHeaders["content-disposition"] {
            for parameter in HeaderParameters.parse(disposition) {
                switch parameter.name {
                case "name": name = parameter.value
                case "filename": filename = parameter.value
                case "filename*": extendedFilename = HeaderParameters.decodeExtendedValue(parameter.value)
                default: break
                }
            }
        }
        return MultipartPartHead(
            name: name,
            filename: extendedFilename ?? filename,
            contentType: currentHeaders["content-type"],
            headers: currentHeaders
        )
    }
}

/// Parameters of header values such as `form-data; name="a"; filename*=UTF-8''b` (RFC 7231 §3.1.1.1,
/// RFC 6266, RFC 5987).
enum HeaderParameters {
    private static let semicolon = UInt8(ascii: ";")
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// The parameters after the leading value, with lower-cased names and unquoted values.
    ///
    /// A backslash in a quoted value escapes only `"` and `\`: browsers send other backslashes
    /// literally (they percent-encode quotes instead), so `a\b.txt` stays as it is.
    static func parse(_ value: String) -> [(name: String, value: String)] {
        let bytes = Array(value.utf8)
        var parameters: [(name: String, value: String)] = []
        var index = bytes.firstIndex(of: semicolon) ?? bytes.count
        while index < bytes.count {
            index += 1  // past ";"
            let nameStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "="), bytes[index] != semicolon { index += 1 }
            let name = trimmed(String(decoding: bytes[nameStart..<index], as: UTF8.self)).lowercased()
            var parameterValue = ""
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
                    index += 1
                }
                if index < bytes.count, bytes[index] == quote {
                    index += 1
                    var unquoted: [UInt8] = []
                    while index < bytes.count, bytes[index] != quote {
                        if bytes[index] == backslash, index + 1 < bytes.count,
                            bytes[index + 1] == quote || bytes[index + 1] == backslash
                        {
                            index += 1
                        }
                        unquoted.append(bytes[index])
                        index += 1
                    }
                    parameterValue = String(decoding: unquoted, as: UTF8.self)
                    while index < bytes.count, bytes[index] != semicolon { index += 1 }
                } else {
                    let valueStart = index
                    while index < bytes.count, bytes[index] != semicolon { index += 1 }
                    parameterValue = trimmed(String(decoding: bytes[valueStart..<index], as: UTF8.self))
                }
            }
            if !name.isEmpty { parameters.append((name, parameterValue)) }
        }
        return parameters
    }

    /// Decodes an RFC 5987 `charset'language'percent-encoded` value (UTF-8 or ISO-8859-1);
    /// `nil` if it is malformed, so that the plain parameter is used instead.
    static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        let charset = pieces[0].lowercased()
        var decoded: [UInt8] = []
        var bytes = pieces[2].utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                continue
            }
            guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else {
                return nil
            }
            decoded.append(high << 4 | low)
        }
        switch charset {
        case "utf-8":
            return String(decoding: decoded, as: UTF8.self)  // invalid sequences become U+FFFD
        case "iso-8859-1":
            return String(String.UnicodeScalarView(decoded.map { Unicode.Scalar($0) }))
        default:
            return nil
        }
    }

    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
