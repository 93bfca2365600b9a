/// A PNG encoder for ``Pattern``s: 8-bit RGB or RGBA, the Sub filter on every row, one deflate
/// block with the fixed Huffman codes.
///
/// It never looks at single pixels: with the Sub filter a run of equal pixels becomes its first
/// pixel's difference from the pixel before it and then zeros, which deflate as a literal 0 and
/// matches at distance 1; a row whose runs line up with the row above and differ from it by the
/// same gradient step filters to the same bytes after its first pixel, which deflate as matches
/// at distance one row. A 1024×1024 image is about 40 KB, made in a few milliseconds.
enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A filtered row as segments: a pixel's difference from the one before it, then zero bytes.
    private struct Segment: Equatable {
        var delta: Pixel
        var zeros: Int
    }

    static func encode(_ pattern: Pattern, alpha: Bool) -> [UInt8] {
        let channels = alpha ? 4 : 3
        let stride = pattern.width * channels
        var deflate = FixedHuffmanDeflate()
        var adler = Adler32()
        var previous: [Segment] = []
        for y in 0..<pattern.height {
            var segments: [Segment] = []
            var left = Pixel(r: 0, g: 0, b: 0, a: 0)
            for run in pattern.runs(row: y) {
                let pixel = run.pixel
                let delta = Pixel(r: pixel.r &- left.r, g: pixel.g &- left.g, b: pixel.b &- left.b, a: alpha ? pixel.a &- left.a : 0)
                segments.append(Segment(delta: delta, zeros: (run.length - 1) * channels))
                left = pixel
            }
            // Filter type 1 (Sub).
            deflate.literal(1)
            adler.append(1)
            let sameTail =
                y > 0 && segments.count == previous.count && segments[0].zeros == previous[0].zeros
                && segments.dropFirst() == previous.dropFirst() && stride - channels >= 3 && stride + 1 <= FixedHuffmanDeflate.maxDistance
            for (index, segment) in segments.enumerated() {
                let bytes = [segment.delta.r, segment.delta.g, segment.delta.b, segment.delta.a].prefix(channels)
                for byte in bytes {
                    if !sameTail || index == 0 { deflate.literal(byte) }
                    adler.append(byte)
                }
                if !sameTail { deflate.zeros(segment.zeros) }
                adler.appendZeros(segment.zeros)
            }
            // Everything after the first pixel is the row above's.
            if sameTail { deflate.copy(length: stride - channels, distance: stride + 1) }
            previous = segments
        }
        var zlib: [UInt8] = [0x78, 0x01]
        zlib += deflate.finish()
        zlib.appendBigEndian(adler.value)

        var header: [UInt8] = []
        header.appendBigEndian(UInt32(pattern.width))
        header.appendBigEndian(UInt32(pattern.height))
        header += [8, alpha ? 6 : 2, 0, 0, 0]
        var png = signature
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlib)
        png += chunk("IEND", [])
        return png
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        bytes += typed
        bytes.appendBigEndian(crc32(typed))
        return bytes
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        bytes.withUnsafeBufferPointer { buffer in
            crcTable.withUnsafeBufferPointer { table in
                for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Adler-32 as zlib computes it, with runs of zeros added in one step.
struct Adler32 {
    private static let modulus: UInt64 = 65_521
    private var a: UInt64 = 1
    private var b: UInt64 = 0

    var value: UInt32 { UInt32(b << 16 | a) }

    mutating func append(_ byte: UInt8) {
        a = (a + UInt64(byte)) % Self.modulus
        b = (b + a) % Self.modulus
    }

    /// `count` zero bytes: `a` stays, `b` grows by `a` for each.
    mutating func appendZeros(_ count: Int) {
        b = (b + UInt64(count) % Self.modulus * a) % Self.modulus
    }
}

/// One final deflate block (RFC 1951) with the fixed Huffman codes: literals, and matches that
/// the caller knows are right (a run of zeros at distance 1, a copy of the row above).
struct FixedHuffmanDeflate {
    static let maxDistance = 32_768

    private var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var used = 0

    init() {
        bytes.reserveCapacity(1 << 15)
        write(1, bits: 1)  // BFINAL
        write(1, bits: 2)  // BTYPE 01: fixed Huffman codes
    }

    /// Fixed literal/length codes, bit-reversed for the LSB-first stream: `(code, length)` per symbol 0...287.
    private static let literalCodes: [(code: UInt32, length: Int)] = (0..<288).map { symbol in
        let (code, length): (Int, Int)
        switch symbol {
        case 0...143: (code, length) = (0x30 + symbol, 8)
        case 144...255: (code, length) = (0x190 + symbol - 144, 9)
        case 256...279: (code, length) = (symbol - 256, 7)
        default: (code, length) = (0xC0 + symbol - 280, 8)
        }
        return (reversed(UInt32(code), length), length)
    }

    private static let lengthBases = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBases = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
        12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    private static func reversed(_ value: UInt32, _ length: Int) -> UInt32 {
        var result: UInt32 = 0
        for bit in 0..<length where value >> UInt32(bit) & 1 == 1 { result |= 1 << UInt32(length - 1 - bit) }
        return result
    }

    private mutating func write(_ value: UInt32, bits: Int) {
        buffer |= UInt64(value) << UInt64(used)
        used += bits
        while used >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            used -= 8
        }
    }

    private mutating func symbol(_ symbol: Int) {
        let code = Self.literalCodes[symbol]
        write(code.code, bits: code.length)
    }

    mutating func literal(_ byte: UInt8) {
        symbol(Int(byte))
    }

    /// One match: `length` 3...258 bytes from `distance` 1...32768 back.
    private mutating func match(length: Int, distance: Int) {
        let lengthCode = (Self.lengthBases.lastIndex { $0 <= length }) ?? 0
        symbol(257 + lengthCode)
        write(UInt32(length - Self.lengthBases[lengthCode]), bits: Self.lengthExtraBits[lengthCode])
        let distanceCode = (Self.distanceBases.lastIndex { $0 <= distance }) ?? 0
        write(Self.reversed(UInt32(distanceCode), 5), bits: 5)
        write(UInt32(distance - Self.distanceBases[distanceCode]), bits: Self.distanceExtraBits[distanceCode])
    }

    /// `length` (at least 3) bytes from `distance` back, as matches of at most 258.
    mutating func copy(length: Int, distance: Int) {
        var remaining = length
        while remaining > 0 {
            var chunk = min(258, remaining)
            // A match is at least 3 long: never leave 1 or 2 behind.
            if (1...2).contains(remaining - chunk) { chunk = remaining - 3 }
            match(length: chunk, distance: distance)
            remaining -= chunk
        }
    }

    /// `count` zero bytes: a literal 0, then copies of it.
    mutating func zeros(_ count: Int) {
        guard count > 0 else { return }
        literal(0)
        if count - 1 >= 3 {
            copy(length: count - 1, distance: 1)
        } else {
            for _ in 0..<(count - 1) { literal(0) }
        }
    }

    /// The block's end-of-block code and the last bits.
    mutating func finish() -> [UInt8] {
        symbol(256)
        if used > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        buffer = 0
        used = 0
        return bytes
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendLittleEndian(_ value: UInt32) {
        for shift in stride(from: 0, through: 24, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
