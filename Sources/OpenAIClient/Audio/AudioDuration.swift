/// Reads an audio file's duration from its header: the gateway prices a transcription the upstream
/// reports no duration for per minute with it, and the simulator reports the uploaded audio's length.
///
/// ```swift
/// AudioDuration.seconds(head: Array(bytes.prefix(4096)), fileBytes: bytes.count)   // 2.5 for a 2.5 s WAV or MP3
/// ```
public enum AudioDuration {
    /// The duration of a WAV or MP3 file (see ``wavSeconds(head:fileBytes:)`` and ``mp3Seconds(head:fileBytes:)``),
    /// or nil when `head` is neither.
    public static func seconds(head: [UInt8], fileBytes: Int) -> Double? {
        wavSeconds(head: head, fileBytes: fileBytes) ?? mp3Seconds(head: head, fileBytes: fileBytes)
    }

    /// The duration of a RIFF/WAVE file from its `fmt ` chunk's byte rate and its `data` chunk's size
    /// (the bytes after the header when the size is a streaming placeholder or runs past the file).
    /// - Parameters:
    ///   - head: the file's first bytes (the header; 44 bytes for a plain PCM WAV).
    ///   - fileBytes: the whole file's size.
    /// - Returns: nil when `head` is not a WAV header this can read.
    public static func wavSeconds(head: [UInt8], fileBytes: Int) -> Double? {
        guard head.count >= 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WAVE".utf8) else { return nil }
        var offset = 12
        var byteRate: UInt32?
        while offset + 8 <= head.count {
            let id = head[offset..<offset + 4]
            let size = UInt32(littleEndianBytes: head[offset + 4..<offset + 8])
            let body = offset + 8
            if id.elementsEqual("fmt ".utf8), body + 12 <= head.count {
                byteRate = UInt32(littleEndianBytes: head[body + 8..<body + 12])
            } else if id.elementsEqual("data".utf8) {
                guard let byteRate, byteRate > 0 else { return nil }
                let available = max(0, fileBytes - body)
                let dataBytes = size == 0 || size == UInt32.max || Int(size) > available ? available : Int(size)
                return Double(dataBytes) / Double(byteRate)
            }
            // Chunks are padded to an even size.
            offset = body + Int(size) + Int(size & 1)
        }
        return nil
    }

    /// The duration of an MPEG audio file (MP3, and layers I and II) after an optional ID3v2 tag: the
    /// frame count of a Xing/Info or VBRI header when the first frame has one, else the bytes after the
    /// tag at the first frame's bitrate (constant bitrate).
    /// - Parameters:
    ///   - head: the file's first bytes (the tag and the first frame).
    ///   - fileBytes: the whole file's size.
    /// - Returns: nil when no MPEG audio frame starts where the tag ends (or at a second frame's distance
    ///   within `head`).
    public static func mp3Seconds(head: [UInt8], fileBytes: Int) -> Double? {
        var start = 0
        if head.count >= 10, head[0..<3].elementsEqual("ID3".utf8) {
            let size = head[6..<10].reduce(0) { $0 << 7 | Int($1 & 0x7f) }
            start = 10 + size + (head[5] & 0x10 != 0 ? 10 : 0)
        }
        guard let frame = MPEGFrame(head, at: start) else { return nil }
        // Xing/Info (after the side information) or VBRI (32 bytes after the header) count the frames.
        let sideInfo = frame.mpeg1 ? (frame.mono ? 17 : 32) : (frame.mono ? 9 : 17)
        let xing = start + 4 + sideInfo
        if xing + 12 <= head.count, head[xing..<xing + 4].elementsEqual("Xing".utf8) || head[xing..<xing + 4].elementsEqual("Info".utf8),
            UInt32(bigEndianBytes: head[xing + 4..<xing + 8]) & 1 != 0
        {
            return frame.seconds(frames: Int(UInt32(bigEndianBytes: head[xing + 8..<xing + 12])))
        }
        let vbri = start + 4 + 32
        if vbri + 18 <= head.count, head[vbri..<vbri + 4].elementsEqual("VBRI".utf8) {
            return frame.seconds(frames: Int(UInt32(bigEndianBytes: head[vbri + 14..<vbri + 18])))
        }
        return Double(max(0, fileBytes - start)) * 8 / Double(frame.bitrate)
    }
}

/// The header of one MPEG audio frame.
private struct MPEGFrame {
    var mpeg1: Bool
    var mono: Bool
    /// Bits a second.
    var bitrate: Int
    var sampleRate: Int
    var samplesPerFrame: Int

    /// Layers III, II, I (index 0, 1, 2) of MPEG-1, then of MPEG-2 and 2.5, in kbit/s.
    private static let bitrates: [[Int]] = [
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    ]

    /// A valid frame header at `offset`; when `offset` is not the start of `bytes` and the next frame
    /// is within `bytes`, that one must be valid too (so a stray sync word is not taken for audio).
    init?(_ bytes: [UInt8], at offset: Int) {
        guard offset >= 0, offset + 4 <= bytes.count, bytes[offset] == 0xff, bytes[offset + 1] & 0xe0 == 0xe0 else { return nil }
        let version = Int(bytes[offset + 1] >> 3 & 3)  // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
        let layerBits = Int(bytes[offset + 1] >> 1 & 3)  // 1 layer III, 2 layer II, 3 layer I
        let bitrateIndex = Int(bytes[offset + 2] >> 4)
        let rateIndex = Int(bytes[offset + 2] >> 2 & 3)
        guard version != 1, layerBits != 0, (1...14).contains(bitrateIndex), rateIndex != 3 else { return nil }
        mpeg1 = version == 3
        mono = bytes[offset + 3] >> 6 == 3
        let layer = 3 - layerBits + 1  // 1, 2 or 3
        bitrate = Self.bitrates[(mpeg1 ? 0 : 3) + (3 - layer)][bitrateIndex] * 1000
        let rates = [44_100, 48_000, 32_000][rateIndex]
        sampleRate = version == 3 ? rates : version == 2 ? rates / 2 : rates / 4
        samplesPerFrame = layer == 1 ? 384 : layer == 2 || mpeg1 ? 1152 : 576
        let padding = Int(bytes[offset + 2] >> 1 & 1) * (layer == 1 ? 4 : 1)
        let length = samplesPerFrame / 8 * bitrate / sampleRate + padding
        if offset > 0, offset + length + 4 <= bytes.count, length > 4 {
            guard bytes[offset + length] == 0xff, bytes[offset + length + 1] & 0xe0 == 0xe0 else { return nil }
        }
    }

    func seconds(frames: Int) -> Double {
        Double(frames) * Double(samplesPerFrame) / Double(sampleRate)
    }
}

extension UInt32 {
    fileprivate init(littleEndianBytes bytes: ArraySlice<UInt8>) {
        var value: UInt32 = 0
        for (shift, byte) in bytes.prefix(4).enumerated() { value |= UInt32(byte) << (8 * UInt32(shift)) }
        self = value
    }

    fileprivate init(bigEndianBytes bytes: ArraySlice<UInt8>) {
        self = bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }
}
