/// A baseline JPEG encoder for ``Pattern``s (YCbCr 4:4:4, one quantisation table of 8s) whose
/// 8×8 blocks are the means of the pattern's blocks: every AC coefficient is zero (the AC
/// table's one code is EOB), which is all a pattern of flat cells needs. The means come from
/// the rows' runs, so the cost grows with the blocks, not the pixels.
enum JPEGEncoder {
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

    static func encode(_ pattern: Pattern) -> [UInt8] {
        let (width, height) = (pattern.width, pattern.height)
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        bytes += [0xFF, 0xDB, 0x00, 0x43, 0x00] + [UInt8](repeating: 8, count: 64)
        bytes += [0xFF, 0xC0, 0x00, 0x11, 8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 3]
        bytes += [1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]
        bytes += [0xFF, 0xC4, 0x00, 0x1F, 0x00] + dcCounts + (0..<12).map { UInt8($0) }
        bytes += [0xFF, 0xC4, 0x00, 0x14, 0x10, 1] + [UInt8](repeating: 0, count: 15) + [0x00]
        bytes += [0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]
        var writer = BitWriter()
        var predictors = [0, 0, 0]
        let blocksAcross = (width + 7) / 8
        for blockRow in 0..<((height + 7) / 8) {
            // Per block: sums of red, green, blue and the pixel count (edge blocks are partial).
            var sums = [Int](repeating: 0, count: blocksAcross * 4)
            for y in (blockRow * 8)..<min(height, blockRow * 8 + 8) {
                var x = 0
                for run in pattern.runs(row: y) {
                    let end = x + run.length
                    while x < end {
                        let block = x / 8
                        let span = min(end, block * 8 + 8) - x
                        sums[block * 4] += Int(run.pixel.r) * span
                        sums[block * 4 + 1] += Int(run.pixel.g) * span
                        sums[block * 4 + 2] += Int(run.pixel.b) * span
                        sums[block * 4 + 3] += span
                        x += span
                    }
                }
            }
            for block in 0..<blocksAcross {
                let count = Double(max(1, sums[block * 4 + 3]))
                let (r, g, b) = (Double(sums[block * 4]) / count, Double(sums[block * 4 + 1]) / count, Double(sums[block * 4 + 2]) / count)
                let means = [
                    0.299 * r + 0.587 * g + 0.114 * b,
                    128 - 0.168_736 * r - 0.331_264 * g + 0.5 * b,
                    128 + 0.5 * r - 0.418_688 * g - 0.081_312 * b,
                ]
                for component in 0..<3 {
                    // DC = 8 × mean(sample − 128), quantised by 8.
                    let dc = max(-1023, min(1023, Int((means[component] - 128).rounded())))
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
}
