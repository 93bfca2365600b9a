import NIOCore

/// Builds a `multipart/form-data` body piece by piece, so that file bytes can be streamed
/// between a part's head and tail instead of being held in memory.
///
/// A body is: any number of ``field(name:value:)`` parts and file parts
/// (``fileHead(name:filename:contentType:)``, the file's bytes, ``fileTail``), then ``closing``.
///
/// ```swift
/// let encoder = MultipartEncoder()
/// var body = encoder.field(name: "purpose", value: "batch")
/// body.writeImmutableBuffer(encoder.fileHead(name: "file", filename: "in.jsonl", contentType: "application/jsonl"))
/// body.writeImmutableBuffer(fileBytes)
/// body.writeImmutableBuffer(encoder.fileTail)
/// body.writeImmutableBuffer(encoder.closing)
/// // send `body` with the header `Content-Type: \(encoder.contentType)`
/// ```
///
/// Names and file names are quoted safely: `"` and `\` are escaped and CR/LF removed, so a caller's
/// value cannot add headers or end the part. A non-ASCII file name is sent as an ASCII fallback in
/// `filename=` plus the exact name in `filename*=UTF-8''...` (RFC 5987).
public struct MultipartEncoder: Sendable {
    /// The boundary between parts. Body bytes must not contain `CRLF--boundary`; a random boundary
    /// makes that vanishingly unlikely.
    public let boundary: String

    public init(boundary: String = MultipartEncoder.randomBoundary()) {
        self.boundary = boundary
    }

    /// A fresh boundary: `----openai-gateway-` followed by 24 random letters and digits.
    public static func randomBoundary() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".unicodeScalars)
        var generator = SystemRandomNumberGenerator()
        var result = "----openai-gateway-"
        for _ in 0..<24 {
            result.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return result
    }

    /// `multipart/form-data; boundary=<boundary>`, the boundary quoted when it needs to be.
    public var contentType: String {
        let isToken = boundary.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
        return "multipart/form-data; boundary=" + (isToken ? boundary : Self.quoted(boundary))
    }

    /// A complete text field part:
    /// `--b CRLF Content-Disposition: form-data; name="n" CRLF CRLF value CRLF`.
    public func field(name: String, value: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\(Self.quoted(name))\r\n\r\n")
        buffer.writeString(value)
        buffer.writeString("\r\n")
        return buffer
    }

    /// The start of a file part, up to and including the blank line after its headers:
    /// `--b CRLF Content-Disposition: form-data; name="n"; filename="f" CRLF Content-Type: t CRLF CRLF`,
    /// with `; filename*=UTF-8''...` added when the file name is not plain ASCII.
    public func fileHead(name: String, filename: String, contentType: String) -> ByteBuffer {
        let cleanName = Self.withoutLineBreaks(filename)
        let isASCII = cleanName.unicodeScalars.allSatisfy(\.isASCII)
        var fallback = String.UnicodeScalarView()
        for scalar in cleanName.unicodeScalars {
            fallback.append(scalar.isASCII ? scalar : "_")
        }
        var disposition = "form-data; name=\(Self.quoted(name)); filename=\(Self.quoted(String(fallback)))"
        if !isASCII {
            disposition += "; filename*=UTF-8''" + PercentEncoding.encode(cleanName, .attributeValue)
        }
        var buffer = ByteBuffer()
        buffer.writeString("--\(boundary)\r\nContent-Disposition: \(disposition)\r\n")
        buffer.writeString("Content-Type: \(Self.withoutLineBreaks(contentType))\r\n\r\n")
        return buffer
    }

    /// What follows a file part's bytes: CRLF.
    public var fileTail: ByteBuffer { ByteBuffer(string: "\r\n") }

    /// The closing delimiter: `--b--` CRLF.
    public var closing: ByteBuffer { ByteBuffer(string: "--\(boundary)--\r\n") }

    // MARK: - Quoting

    /// A quoted-string with `"` and `\` escaped and control characters (CR, LF...) removed.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in withoutLineBreaks(text).unicodeScalars {
            if scalar == "\"" || scalar == "\\" { result.unicodeScalars.append("\\") }
            result.unicodeScalars.append(scalar)
        }
        return result + "\""
    }

    /// The text without C0 control characters and DEL, which could end a header line early.
    static func withoutLineBreaks(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            scalars.append(scalar)
        }
        return String(scalars)
    }
}
