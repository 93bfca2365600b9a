import Foundation
import OpenAIClient

/// Keeps payloads and secrets out of the interaction log.
public enum LogRedaction {
    /// Strings at least this long made only of base64 characters are treated as a payload.
    public static let base64Threshold = 200

    /// `value` with every base64 payload (a `data:` URL, or a long run of base64 characters) replaced by
    /// a short summary such as `"<base64 elided: 12345 chars>"`, and every member whose key names a
    /// credential (`authorization`, `api_key`, `password`, `secret`, ...) replaced by `"<redacted>"`.
    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            return elidingPayload(text).map(JSONValue.string) ?? value
        case .array(let values):
            return .array(values.map(redact))
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object {
                result[key] = isSecretKey(key) && !member.isNull ? .string("<redacted>") : redact(member)
            }
            return .object(result)
        case .null, .bool, .int, .double, .number:
            return value
        }
    }

    /// `text` with every occurrence of `secret` (the API key) replaced by `sk-...redacted`.
    /// Secrets shorter than 8 characters are left alone: replacing them would mangle ordinary text.
    public static func redactSecrets(in text: String, secret: String) -> String {
        let bytes = Array(text.utf8)
        let redacted = redactSecrets(in: bytes, secret: Array(secret.utf8))
        return redacted == bytes ? text : String(decoding: redacted, as: UTF8.self)
    }

    /// `bytes` with every occurrence of `secret` replaced by `sk-...redacted` (the log writer's form:
    /// it searches the encoded line, without building a String).
    /// - Parameter replacement: what stands for the secret (the client-facing scrubber passes a mask of
    ///   the secret's own length, so a `Content-Length` stays true).
    public static func redactSecrets(in bytes: [UInt8], secret: [UInt8], replacement: [UInt8]? = nil) -> [UInt8] {
        let replacement = replacement ?? Self.replacement
        guard secret.count >= 8, bytes.count >= secret.count, let first = secret.first else { return bytes }
        var out: [UInt8] = []
        var copiedUpTo = 0
        var index = 0
        let last = bytes.count - secret.count
        while index <= last {
            if bytes[index] == first, bytes[index..<index + secret.count].elementsEqual(secret) {
                if out.isEmpty { out.reserveCapacity(bytes.count) }
                out += bytes[copiedUpTo..<index]
                out += replacement
                index += secret.count
                copiedUpTo = index
            } else {
                index += 1
            }
        }
        guard copiedUpTo > 0 else { return bytes }
        out += bytes[copiedUpTo...]
        return out
    }

    private static let replacement = Array("sk-...redacted".utf8)

    /// A mask as long as `secret`: `REDACTED` then `*`s (secrets are at least 8 bytes long).
    static func mask(for secret: [UInt8]) -> [UInt8] {
        Array(Array("REDACTED".utf8).prefix(secret.count)) + Array(repeating: UInt8(ascii: "*"), count: max(secret.count - 8, 0))
    }

    /// Whether a member named `key` holds a credential: its name, lower-cased with `-` as `_`, contains
    /// `authorization`, `api_key`, `apikey`, `password`, `secret` or `cookie`, or is a token's name.
    /// (Byte-level: this runs for every member of every log line.)
    public static func isSecretKey(_ key: String) -> Bool {
        var normalized: [UInt8] = []
        normalized.reserveCapacity(key.utf8.count)
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): normalized.append(byte + 32)
            case UInt8(ascii: "-"): normalized.append(UInt8(ascii: "_"))
            default: normalized.append(byte)
            }
        }
        if secretWords.contains(where: { normalized.containsRun($0) }) { return true }
        return tokenNames.contains(normalized)
    }

    private static let secretWords: [[UInt8]] = ["authorization", "api_key", "apikey", "password", "secret", "cookie"].map { Array($0.utf8) }
    private static let tokenNames: Set<[UInt8]> = Set(["access_token", "refresh_token", "id_token", "bearer", "token"].map { Array($0.utf8) })

    /// A summary for `text` when it is a base64 payload, else `nil`.
    static func elidingPayload(_ text: String) -> String? {
        let utf8 = text.utf8
        if utf8.starts(with: "data:".utf8), let marker = text.range(of: ";base64,") {
            let mediaType = text[text.index(text.startIndex, offsetBy: 5)..<marker.lowerBound]
            let payload = text.utf8.count - text[..<marker.upperBound].utf8.count
            return "<data:\(mediaType.prefix(64));base64 elided: \(payload) chars>"
        }
        guard utf8.count >= base64Threshold, utf8.allSatisfy(isBase64Byte) else { return nil }
        return "<base64 elided: \(utf8.count) chars>"
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="),
            UInt8(ascii: "-"), UInt8(ascii: "_"), 0x0A, 0x0D:
            return true
        default:
            return false
        }
    }
}
