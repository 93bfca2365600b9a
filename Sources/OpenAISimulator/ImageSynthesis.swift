/// A simulated image: a deterministic 64×64 pattern picked by a seed. PNG is a real image (RGB, or
/// RGBA with a transparent border for `background: "transparent"`, zlib with stored blocks); JPEG
/// is a real baseline JPEG of the pattern's 8×8 block averages (DC coefficients only); WebP is a
/// placeholder with the right magic bytes, as the speech formats other than WAV/PCM are.
///
/// The seed is all there is to an image, so an image URL names its seed and the bytes are made
/// again when it is fetched (nothing is stored).
struct SimulatedImage: Sendable, Equatable {
    enum Format: String, Sendable, CaseIterable {
        case png, jpeg, webp

        var contentType: String { "image/\(rawValue)" }
    }

    static let side = 64

    var seed: UInt64
    var format: Format
    var transparent: Bool
    /// `nil` for the final image; a partial image `k` of `count` is a coarser version of it.
    var partial: (index: Int, count: Int)?

    static func == (lhs: SimulatedImage, rhs: SimulatedImage) -> Bool {
        lhs.seed == rhs.seed && lhs.format == rhs.format && lhs.transparent == rhs.transparent
            && lhs.partial?.index == rhs.partial?.index && lhs.partial?.count == rhs.partial?.count
    }

    /// The image's bytes in its format.
    var bytes: [UInt8] {
        switch format {
        case .png: return Self.png(pixels: pixels, side: Self.side, alpha: transparent)
        case .jpeg: return Self.jpeg(pixels: pixels, side: Self.side)
        case .webp: return Self.webpPlaceholder(seed: seed)
        }
    }

    /// The name an image URL ends with: `img-<seed>[-t].<format>` (`-t`: transparent).
    var fileName: String {
        "img-" + String(seed, radix: 16) + (transparent ? "-t" : "") + "." + format.rawValue
    }

    /// The image a ``fileName`` names; `nil` for anything else.
    init?(fileName: String) {
        guard fileName.hasPrefix("img-"), let dot = fileName.lastIndex(of: ".") else { return nil }
        guard let format = Format(rawValue: String(fileName[fileName.index(after: dot)...])) else { return nil }
        var stem = fileName[fileName.index(fileName.startIndex, offsetBy: 4)..<dot]
        let transparent = stem.hasSuffix("-t")
        if transparent { stem = stem.dropLast(2) }
        guard !stem.isEmpty, stem.count <= 16, let seed = UInt64(stem, radix: 16) else { return nil }
        self.init(seed: seed, format: format, transparent: transparent)
    }

    init(seed: UInt64, format: Format, transparent: Bool, partial: (index: Int, count: Int)? = nil) {
        self.seed = seed
        self.format = format
        self.transparent = transparent
        self.partial = partial
    }

    /// RGBA pixels, row by row: an 8×8 grid of seeded colours over a diagonal gradient; a partial
    /// image has bigger cells (the first of three is 32-pixel cells, the last 16).
    var pixels: [UInt8] {
        let side = Self.side
        var cell = 8
        if let partial { cell = 8 << max(1, min(3, partial.count - partial.index)) }
        var random = SplitMix64(seed: seed)
        let palette = (0..<64).map { _ in random.next() }
        var pixels = [UInt8](repeating: 0, count: side * side * 4)
        for y in 0..<side {
            for x in 0..<side {
                let colour = palette[(y / cell) * 8 % 64 + (x / cell) % 8]
                let gradient = UInt8((x + y) * 255 / (2 * side - 2))
                let offset = (y * side + x) * 4
                pixels[offset] = UInt8(truncatingIfNeeded: colour) / 2 + gradient / 2
                pixels[offset + 1] = UInt8(truncatingIfNeeded: colour >> 8) / 2 + (255 - gradient) / 2
                pixels[offset + 2] = UInt8(truncatingIfNeeded: colour >> 16)
                let border = x < 4 || y < 4 || x >= side - 4 || y >= side - 4
                pixels[offset + 3] = transparent && border ? 0 : 255
            }
        }
        return pixels
    }

    // MARK: - PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A PNG of RGBA `pixels` (`side`×`side`), 8-bit RGB or RGBA, filter 0 on every row.
    static func png(pixels: [UInt8], side: Int, alpha: Bool) -> [UInt8] {
        let channels = alpha ? 4 : 3
        var raw: [UInt8] = []
        raw.reserveCapacity(side * (side * channels + 1))
        for y in 0..<side {
            raw.append(0)
            for x in 0..<side {
                let offset = (y * side + x) * 4
                raw.append(contentsOf: pixels[offset..<(offset + channels)])
            }
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(side))
        header.appendBigEndian(UInt32(side))
        header += [8, alpha ? 6 : 2, 0, 0, 0]
        var png = pngSignature
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlibStored(raw))
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

    /// zlib data with uncompressed ("stored") deflate blocks: valid for every decoder, no compressor needed.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let end = min(data.count, start + 65_535)
            let length = UInt16(end - start)
            out.append(end == data.count ? 1 : 0)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        out.appendBigEndian(adler32(data))
        return out
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    // MARK: - JPEG

    /// The standard luminance DC Huffman table (ITU T.81 K.3): code counts per length 1...16, then symbols 0...11.
    private static let dcCounts: [UInt8] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]

    /// Canonical codes of ``dcCounts``: `(code, length)` per category.
    private static let dcCodes: [(code: UInt32, length: Int)] = {
        var codes: [(code: UInt32, length: Int)] = []
        var code: UInt32 = 0
        for (index, count) in dcCounts.enumerated() {
            for _ in 0..<count {
                codes.append((code, index + 1))
                code += 1
            }
            code <<= 1
        }
        return codes
    }()

    /// A baseline JPEG (YCbCr 4:4:4, one quantisation table of 8s) whose 8×8 blocks are the means
    /// of the RGBA `pixels`' blocks: every AC coefficient is zero (the AC table's one code is EOB).
    static func jpeg(pixels: [UInt8], side: Int) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        bytes += [0xFF, 0xDB, 0x00, 0x43, 0x00] + [UInt8](repeating: 8, count: 64)
        bytes += [0xFF, 0xC0, 0x00, 0x11, 8, UInt8(side >> 8), UInt8(side & 0xFF), UInt8(side >> 8), UInt8(side & 0xFF), 3]
        bytes += [1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]
        bytes += [0xFF, 0xC4, 0x00, 0x1F, 0x00] + dcCounts + (0..<12).map { UInt8($0) }
        bytes += [0xFF, 0xC4, 0x00, 0x14, 0x10, 1] + [UInt8](repeating: 0, count: 15) + [0x00]
        bytes += [0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]
        var writer = BitWriter()
        var predictors = [0, 0, 0]
        let blocks = side / 8
        for blockY in 0..<blocks {
            for blockX in 0..<blocks {
                var sums = [0.0, 0.0, 0.0]
                for y in (blockY * 8)..<(blockY * 8 + 8) {
                    for x in (blockX * 8)..<(blockX * 8 + 8) {
                        let offset = (y * side + x) * 4
                        let (r, g, b) = (Double(pixels[offset]), Double(pixels[offset + 1]), Double(pixels[offset + 2]))
                        sums[0] += 0.299 * r + 0.587 * g + 0.114 * b
                        sums[1] += 128 - 0.168_736 * r - 0.331_264 * g + 0.5 * b
                        sums[2] += 128 + 0.5 * r - 0.418_688 * g - 0.081_312 * b
                    }
                }
                for component in 0..<3 {
                    // DC = 8 × mean(sample − 128), quantised by 8.
                    let dc = max(-1023, min(1023, Int((sums[component] / 64 - 128).rounded())))
                    let diff = dc - predictors[component]
                    predictors[component] = dc
                    let category = diff == 0 ? 0 : Int.bitWidth - abs(diff).leadingZeroBitCount
                    let code = dcCodes[category]
                    writer.write(code.code, count: code.length)
                    if category > 0 { writer.write(UInt32(truncatingIfNeeded: diff < 0 ? diff - 1 : diff), count: category) }
                    writer.write(0, count: 1)  // EOB
                }
            }
        }
        bytes += writer.finish()
        bytes += [0xFF, 0xD9]
        return bytes
    }

    /// Entropy-coded bits, most significant first, with 0xFF bytes stuffed and the last byte padded with 1s.
    private struct BitWriter {
        var bytes: [UInt8] = []
        var accumulator: UInt32 = 0
        var used = 0

        mutating func write(_ value: UInt32, count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) {
                accumulator = accumulator << 1 | (value >> UInt32(shift) & 1)
                used += 1
                if used == 8 { flushByte() }
            }
        }

        private mutating func flushByte() {
            let byte = UInt8(truncatingIfNeeded: accumulator)
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0) }
            accumulator = 0
            used = 0
        }

        mutating func finish() -> [UInt8] {
            while used != 0 { write(1, count: 1) }
            return bytes
        }
    }

    // MARK: - Placeholders

    /// A RIFF/WEBP container whose one chunk is a comment naming the seed.
    static func webpPlaceholder(seed: UInt64) -> [UInt8] {
        var comment = Array("openai-simulator image \(String(seed, radix: 16))".utf8)
        if comment.count % 2 == 1 { comment.append(0) }
        var chunk = Array("EXIF".utf8)
        chunk.appendLittleEndian(UInt32(comment.count))
        chunk += comment
        var bytes = Array("RIFF".utf8)
        bytes.appendLittleEndian(UInt32(4 + chunk.count))
        bytes += Array("WEBP".utf8) + chunk
        return bytes
    }

    /// Whether `prefix` starts like a PNG, JPEG or WebP file.
    static func looksLikeImage(_ prefix: [UInt8]) -> Bool {
        prefix.starts(with: pngSignature) || prefix.starts(with: [0xFF, 0xD8, 0xFF])
            || (prefix.count >= 12 && prefix.starts(with: Array("RIFF".utf8)) && Array(prefix[8..<12]) == Array("WEBP".utf8))
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    fileprivate mutating func appendLittleEndian(_ value: UInt32) {
        for shift in stride(from: 0, through: 24, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
