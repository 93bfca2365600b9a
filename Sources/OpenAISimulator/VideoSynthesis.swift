/// The downloadable assets of a simulated video, made again from the video's seed whenever they are
/// fetched (nothing is stored):
///
/// - `video`: an ISO base media file (`ftyp`, `moov` with a movie header giving the clip's duration,
///   `mdat` of seeded bytes, about 16 KiB per second). Its structure is valid; it has no track, so
///   players show no picture.
/// - `thumbnail`: a real lossless WebP (VP8L) of one seeded colour, at a tenth of the video's size.
/// - `spritesheet`: a real baseline JPEG (the simulator's image pattern, 64×64).
struct SimulatedVideoAsset: Sendable {
    enum Variant: String, Sendable, CaseIterable {
        case video, thumbnail, spritesheet

        var contentType: String {
            switch self {
            case .video: "video/mp4"
            case .thumbnail: "image/webp"
            case .spritesheet: "image/jpeg"
            }
        }
    }

    static let mdatBytesPerSecond = 16 * 1024

    var seed: UInt64
    var seconds: Int
    /// `WIDTHxHEIGHT`.
    var size: String

    /// The asset's bytes.
    func bytes(_ variant: Variant) -> [UInt8] {
        switch variant {
        case .video: return mp4()
        case .thumbnail:
            let (width, height) = dimensions
            return Self.webp(width: max(1, width / 10), height: max(1, height / 10), seed: seed)
        case .spritesheet:
            let (width, height) = dimensions
            return SimulatedImage(seed: seed, width: max(1, width / 4), height: max(1, height / 4), format: .jpeg, transparent: false).bytes
        }
    }

    var dimensions: (width: Int, height: Int) {
        let parts = size.split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else { return (720, 1280) }
        return (width, height)
    }

    // MARK: - MP4

    func mp4() -> [UInt8] {
        var ftyp = Array("isom".utf8)
        ftyp.appendBigEndian(0x200)
        ftyp += Array("isomiso2avc1mp41".utf8)

        var mvhd: [UInt8] = [0, 0, 0, 0]  // version 0, no flags
        mvhd.appendBigEndian(0)  // creation time
        mvhd.appendBigEndian(0)  // modification time
        mvhd.appendBigEndian(1000)  // timescale: milliseconds
        mvhd.appendBigEndian(UInt32(seconds * 1000))  // duration
        mvhd.appendBigEndian(0x0001_0000)  // rate 1.0
        mvhd += [0x01, 0x00, 0, 0] + [UInt8](repeating: 0, count: 8)  // volume 1.0, reserved
        for value: UInt32 in [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] { mvhd.appendBigEndian(value) }  // unity matrix
        mvhd += [UInt8](repeating: 0, count: 24)  // pre-defined
        mvhd.appendBigEndian(2)  // next track id

        var random = SplitMix64(seed: seed)
        var payload: [UInt8] = []
        let count = max(1, seconds) * Self.mdatBytesPerSecond
        payload.reserveCapacity(count)
        while payload.count < count {
            let value = random.next()
            for shift in stride(from: 0, to: 64, by: 8) where payload.count < count {
                payload.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        }
        return Self.box("ftyp", ftyp) + Self.box("moov", Self.box("mvhd", mvhd)) + Self.box("mdat", payload)
    }

    static func box(_ type: String, _ content: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(UInt32(8 + content.count))
        return bytes + Array(type.utf8) + content
    }

    // MARK: - WebP

    /// A lossless WebP of one colour: each of the five prefix codes is a "simple code" with one symbol,
    /// so every pixel takes zero bits and the file is a few dozen bytes for any size up to 16384².
    static func webp(width: Int, height: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        let colour = random.next()
        var bits = LittleEndianBits()
        bits.write(UInt32(width - 1), count: 14)
        bits.write(UInt32(height - 1), count: 14)
        bits.write(0, count: 1)  // alpha is not used
        bits.write(0, count: 3)  // version 0
        bits.write(0, count: 1)  // no transform
        bits.write(0, count: 1)  // no colour cache
        bits.write(0, count: 1)  // no meta prefix codes
        // Green, red, blue, alpha: one 8-bit literal symbol each; distance: symbol 0 (1-bit form).
        let green = UInt32(truncatingIfNeeded: colour >> 8) & 0xFF
        let red = UInt32(truncatingIfNeeded: colour) & 0xFF
        let blue = UInt32(truncatingIfNeeded: colour >> 16) & 0xFF
        for symbol in [green, red, blue, 0xFF] {
            bits.write(1, count: 1)  // simple code
            bits.write(0, count: 1)  // one symbol
            bits.write(1, count: 1)  // 8-bit symbol
            bits.write(symbol, count: 8)
        }
        bits.write(1, count: 1)
        bits.write(0, count: 1)
        bits.write(0, count: 1)  // 1-bit symbol
        bits.write(0, count: 1)
        var chunk: [UInt8] = [0x2F] + bits.bytes
        let chunkLength = chunk.count
        if chunk.count % 2 == 1 { chunk.append(0) }
        var bytes = Array("RIFF".utf8)
        bytes.appendLittleEndian(UInt32(4 + 8 + chunk.count))
        bytes += Array("WEBPVP8L".utf8)
        bytes.appendLittleEndian(UInt32(chunkLength))
        return bytes + chunk
    }

    /// Bits packed from the least significant bit of each byte, as VP8L reads them.
    private struct LittleEndianBits {
        var bytes: [UInt8] = []
        var used = 8

        mutating func write(_ value: UInt32, count: Int) {
            for index in 0..<count {
                if used == 8 {
                    bytes.append(0)
                    used = 0
                }
                if value >> UInt32(index) & 1 == 1 { bytes[bytes.count - 1] |= 1 << UInt8(used) }
                used += 1
            }
        }
    }
}
