/// What an image file's first bytes say: its format and, when the header holds them, its dimensions.
/// Reads PNG (IHDR), JPEG (the first SOF marker within the bytes given), WebP (VP8, VP8L, VP8X) and GIF.
///
/// ```swift
/// ImageHeader(head)   // ImageHeader(format: .png, width: 1024, height: 1024)
/// ```
struct ImageHeader: Sendable, Equatable {
    enum Format: String, Sendable {
        case png, jpeg, webp, gif
    }

    var format: Format
    var width: Int?
    var height: Int?

    var dimensions: String? {
        guard let width, let height else { return nil }
        return "\(width)x\(height)"
    }

    init(format: Format, width: Int? = nil, height: Int? = nil) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// Nil when the bytes are not the start of a PNG, JPEG, WebP or GIF file.
    init?(_ bytes: [UInt8]) {
        func bigEndian(_ offset: Int, _ count: Int) -> Int? {
            guard offset >= 0, offset + count <= bytes.count else { return nil }
            return bytes[offset..<offset + count].reduce(0) { $0 << 8 | Int($1) }
        }
        func littleEndian(_ offset: Int, _ count: Int) -> Int? {
            guard offset >= 0, offset + count <= bytes.count else { return nil }
            return bytes[offset..<offset + count].reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self.init(format: .png, width: bigEndian(16, 4), height: bigEndian(20, 4))
        } else if bytes.starts(with: [0xFF, 0xD8]) {
            // Walk the marker segments up to a start-of-frame (SOF0...SOF15 but DHT, JPG and DAC).
            var offset = 2
            var size: (Int, Int)?
            while offset + 9 <= bytes.count, bytes[offset] == 0xFF {
                let marker = bytes[offset + 1]
                if marker == 0xFF {
                    offset += 1
                    continue
                }
                if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                    if let height = bigEndian(offset + 5, 2), let width = bigEndian(offset + 7, 2) { size = (width, height) }
                    break
                }
                guard let length = bigEndian(offset + 2, 2), length >= 2 else { break }
                offset += 2 + length
            }
            self.init(format: .jpeg, width: size?.0, height: size?.1)
        } else if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            let chunk = bytes.count >= 16 ? String(decoding: bytes[12..<16], as: UTF8.self) : ""
            switch chunk {
            case "VP8 ":
                let width = littleEndian(26, 2).map { $0 & 0x3FFF }
                let height = littleEndian(28, 2).map { $0 & 0x3FFF }
                self.init(format: .webp, width: width, height: height)
            case "VP8L":
                guard let bits = littleEndian(21, 4) else {
                    self.init(format: .webp)
                    return
                }
                self.init(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
            case "VP8X":
                self.init(format: .webp, width: littleEndian(24, 3).map { $0 + 1 }, height: littleEndian(27, 3).map { $0 + 1 })
            default:
                self.init(format: .webp)
            }
        } else if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) {
            self.init(format: .gif, width: littleEndian(6, 2), height: littleEndian(8, 2))
        } else {
            return nil
        }
    }
}
