/// The project's one percent-encoder (RFC 3986 / RFC 8187): a byte in the allowed set stays as it is,
/// every other UTF-8 byte becomes `%XX` (upper-case hex).
public enum PercentEncoding {
    /// Which bytes stay as they are.
    public enum Allowed: Sendable {
        /// A path segment: RFC 3986 unreserved characters except `.`, so `.`, `..`, `/`, `?`, `#` and spaces
        /// in a caller-supplied id cannot change the path it goes into.
        case pathSegment
        /// A query name or value: RFC 3986 unreserved characters.
        case queryComponent
        /// RFC 8187 `attr-char` (the `filename*=UTF-8''...` value of `Content-Disposition`).
        case attributeValue

        func allows(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                return true
            case UInt8(ascii: "."):
                return self != .pathSegment
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"), UInt8(ascii: "^"),
                UInt8(ascii: "`"), UInt8(ascii: "|"):
                return self == .attributeValue
            default:
                return false
            }
        }
    }

    /// `value` percent-encoded for the given position.
    ///
    /// ```swift
    /// PercentEncoding.encode("../a b", .pathSegment)   // "%2E%2E%2Fa%20b"
    /// ```
    public static func encode(_ value: String, _ allowed: Allowed) -> String {
        let utf8 = value.utf8
        if utf8.allSatisfy(allowed.allows) { return value }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count * 3)
        for byte in utf8 {
            if allowed.allows(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
