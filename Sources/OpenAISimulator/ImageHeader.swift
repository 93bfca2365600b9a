/// Reads an uploaded image's format and dimensions from its header as the bytes arrive, without
/// keeping them: PNG's IHDR, JPEG's SOF (skipping the segments before it, however long), WebP's
/// VP8, VP8L or VP8X header.
struct ImageHeader: Sendable {
    enum Kind: String, Sendable {
        case png, jpeg, webp
    }

    /// The format a file's first bytes (12 or more) announce by their magic number, without its size.
    static func kind(ofMagic bytes: [UInt8]) -> Kind? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }

    private(set) var kind: Kind?
    private(set) var width: Int?
    private(set) var height: Int?
    /// PNG colour type (2 RGB, 6 RGBA, ...); `nil` for other formats.
    private(set) var pngColourType: UInt8?

    /// True once the header was read or cannot be.
    private(set) var finished = false

    /// The first bytes, enough for PNG's and WebP's headers.
    private var head: [UInt8] = []
    private static let headLength = 30

    private enum JPEGState: Sendable {
        /// Waiting for the 0xFF of a marker.
        case marker
        /// Read 0xFF (and maybe fill bytes), waiting for the marker's code.
        case code
        /// Reading a segment's 2-byte length (`bytes` so far), for marker `code`.
        case length(code: UInt8, bytes: [UInt8])
        /// Skipping `remaining` bytes of a segment.
        case skip(remaining: Int)
        /// Reading a SOF segment's first 5 bytes after its length.
        case frame(bytes: [UInt8])
    }

    private var jpeg = JPEGState.marker
    /// Bytes seen, to give up on a JPEG whose frame header never comes.
    private var seen = 0

    var dimensions: (width: Int, height: Int)? {
        guard let width, let height else { return nil }
        return (width, height)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while !finished, index < bytes.count {
            if head.count < Self.headLength, kind != .jpeg {
                let take = min(Self.headLength - head.count, bytes.count - index)
                head += bytes[index..<(index + take)]
                index += take
                seen += take
                readHead(complete: false)
                if kind == .jpeg {
                    // Scan what was taken (after SOI) and carry on with the JPEG state machine.
                    for byte in head.dropFirst(2) { stepJPEG(byte) }
                }
                continue
            }
            guard kind == .jpeg else {
                finished = true
                break
            }
            if case .skip(let remaining) = jpeg {
                let step = min(remaining, bytes.count - index)
                index += step
                seen += step
                jpeg = remaining - step == 0 ? .marker : .skip(remaining: remaining - step)
                continue
            }
            stepJPEG(bytes[index])
            index += 1
            seen += 1
        }
    }

    /// The body ended: decide with what came.
    mutating func finish() {
        if !finished { readHead(complete: true) }
        finished = true
    }

    private mutating func readHead(complete: Bool) {
        if head.count >= 3, head.starts(with: [0xFF, 0xD8, 0xFF]) {
            kind = .jpeg
            return
        }
        if head.count >= 8, head.starts(with: PNGEncoder.signature) {
            guard head.count >= 26 else { return finishUnlessMore(complete) }
            kind = .png
            if Array(head[12..<16]) == Array("IHDR".utf8) {
                width = Int(Self.bigEndian(head[16..<20]))
                height = Int(Self.bigEndian(head[20..<24]))
                pngColourType = head[25]
            }
            finished = true
            return
        }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            guard head.count >= 30 else { return finishUnlessMore(complete) }
            kind = .webp
            readWebP()
            finished = true
            return
        }
        if head.count >= 12 || complete { finished = true }
    }

    private mutating func finishUnlessMore(_ complete: Bool) {
        if complete { finished = true }
    }

    private mutating func readWebP() {
        let chunk = String(decoding: head[12..<16], as: UTF8.self)
        let data = Array(head[20...])
        switch chunk {
        case "VP8 " where data.count >= 10 && data[3] == 0x9D && data[4] == 0x01 && data[5] == 0x2A:
            width = Int(UInt16(data[6]) | UInt16(data[7]) << 8) & 0x3FFF
            height = Int(UInt16(data[8]) | UInt16(data[9]) << 8) & 0x3FFF
        case "VP8L" where data.count >= 5 && data[0] == 0x2F:
            let bits = UInt32(data[1]) | UInt32(data[2]) << 8 | UInt32(data[3]) << 16 | UInt32(data[4]) << 24
            width = Int(bits & 0x3FFF) + 1
            height = Int(bits >> 14 & 0x3FFF) + 1
        case "VP8X" where data.count >= 10:
            width = Int(UInt32(data[4]) | UInt32(data[5]) << 8 | UInt32(data[6]) << 16) + 1
            height = Int(UInt32(data[7]) | UInt32(data[8]) << 8 | UInt32(data[9]) << 16) + 1
        default:
            break
        }
    }

    private mutating func stepJPEG(_ byte: UInt8) {
        guard !finished else { return }
        if seen > 16 << 20 {
            finished = true
            return
        }
        switch jpeg {
        case .marker:
            // Outside a segment only markers are expected.
            if byte == 0xFF { jpeg = .code } else { finished = true }
        case .code:
            switch byte {
            case 0xFF: break  // fill byte
            case 0xD8, 0x01, 0xD0...0xD7: jpeg = .marker  // no length
            case 0xD9, 0xDA: finished = true  // end, or the scan before any frame header
            default: jpeg = .length(code: byte, bytes: [])
            }
        case .length(let code, var bytes):
            bytes.append(byte)
            guard bytes.count == 2 else {
                jpeg = .length(code: code, bytes: bytes)
                return
            }
            let length = Int(bytes[0]) << 8 | Int(bytes[1])
            guard length >= 2 else {
                finished = true
                return
            }
            let isFrame = (0xC0...0xCF).contains(code) && ![0xC4, 0xC8, 0xCC].contains(code)
            if isFrame {
                jpeg = .frame(bytes: [])
            } else {
                jpeg = length == 2 ? .marker : .skip(remaining: length - 2)
            }
        case .skip(let remaining):
            jpeg = remaining <= 1 ? .marker : .skip(remaining: remaining - 1)
        case .frame(var bytes):
            bytes.append(byte)
            if bytes.count == 5 {
                height = Int(bytes[1]) << 8 | Int(bytes[2])
                width = Int(bytes[3]) << 8 | Int(bytes[4])
                finished = true
            } else {
                jpeg = .frame(bytes: bytes)
            }
        }
    }

    private static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
