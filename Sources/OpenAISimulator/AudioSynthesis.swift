import Foundation
import NIOCore

/// Deterministic audio for `POST /v1/audio/speech`, produced block by block so even the longest
/// answer (4096 characters at speed 0.25, about 47 MB of WAV) is never held in memory.
///
/// `wav` is a real RIFF/WAVE file (24 kHz, mono, 16-bit PCM) of a 440 Hz tone and `pcm` the same
/// samples without a header. The other formats are **placeholders**: their first bytes are the
/// right magic (MP3 frame sync `FF FB`, `OggS`, `fLaC`, ADTS `FF F1`) and their size grows with the
/// duration at a plausible bitrate, but the payload is not decodable audio.
struct SpeechAudio: Sendable {
    enum Format: String, Sendable, CaseIterable {
        case mp3, opus, aac, flac, wav, pcm

        var contentType: String {
            switch self {
            case .mp3: "audio/mpeg"
            case .opus: "audio/ogg"
            case .aac: "audio/aac"
            case .flac: "audio/flac"
            case .wav: "audio/wav"
            case .pcm: "audio/pcm"
            }
        }
    }

    static let sampleRate = 24_000
    static let secondsPerCharacter = 0.06
    static let minimumSeconds = 0.5
    /// Samples per PCM block (one `write` of the body).
    static let samplesPerBlock = 8192
    /// Placeholder block sizes and rates.
    static let mp3FrameBytes = 417  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 1152 samples a frame
    static let aacFrameBytes = 256  // ADTS, 1024 samples a frame at 24 kHz (~48 kbit/s)
    static let oggPageBytes = 4096  // ~32 kbit/s
    static let flacBlockBytes = 8192

    let format: Format
    /// Duration in seconds.
    let duration: Double
    let sampleCount: Int

    init(format: Format, characters: Int, speed: Double) {
        self.format = format
        self.duration = max(Self.minimumSeconds, Double(characters) * Self.secondsPerCharacter) / speed
        self.sampleCount = Int((duration * Double(Self.sampleRate)).rounded())
    }

    /// Bytes before the first block.
    var header: [UInt8] {
        switch format {
        case .wav: Self.wavHeader(dataBytes: sampleCount * 2)
        case .pcm, .mp3, .aac: []
        case .opus: Array("OggS".utf8)
        case .flac: Self.flacHeader(totalSamples: sampleCount)
        }
    }

    var blockCount: Int {
        switch format {
        case .wav, .pcm: (sampleCount + Self.samplesPerBlock - 1) / Self.samplesPerBlock
        case .mp3: Int((duration * 44_100 / 1152).rounded(.up))
        case .aac: Int((duration * Double(Self.sampleRate) / 1024).rounded(.up))
        case .opus: max(1, Int((duration * 4000 / Double(Self.oggPageBytes)).rounded(.up)))
        case .flac: max(1, Int((duration * 24_000 / Double(Self.flacBlockBytes)).rounded(.up)))
        }
    }

    /// Every byte the answer will have.
    var totalBytes: Int {
        switch format {
        case .wav: 44 + sampleCount * 2
        case .pcm: sampleCount * 2
        case .mp3: blockCount * Self.mp3FrameBytes
        case .aac: blockCount * Self.aacFrameBytes
        case .opus: 4 + blockCount * Self.oggPageBytes
        case .flac: header.count + blockCount * Self.flacBlockBytes
        }
    }

    /// Block `index` (0 ..< ``blockCount``), appended to `buffer`.
    func writeBlock(_ index: Int, into buffer: inout ByteBuffer) {
        switch format {
        case .wav, .pcm:
            let start = index * Self.samplesPerBlock
            let end = min(sampleCount, start + Self.samplesPerBlock)
            guard start < end else { return }
            for sample in start..<end {
                let value = sin(2 * Double.pi * 440 * Double(sample) / Double(Self.sampleRate)) * 0.3 * Double(Int16.max)
                buffer.writeInteger(Int16(value), endianness: .little)
            }
        case .mp3:
            buffer.writeBytes([0xFF, 0xFB, 0x90, 0x64])
            buffer.writeRepeatingByte(0, count: Self.mp3FrameBytes - 4)
        case .aac:
            let length = Self.aacFrameBytes
            // ADTS: MPEG-4, no CRC, AAC LC, 24 kHz (index 6), mono, 13-bit frame length, VBR fullness.
            buffer.writeBytes([
                0xFF, 0xF1, 0x58, UInt8(0x40 | (length >> 11)), UInt8((length >> 3) & 0xFF), UInt8(((length & 7) << 5) | 0x1F), 0xFC,
            ])
            buffer.writeRepeatingByte(0, count: length - 7)
        case .opus:
            // Each page after the first starts with the capture pattern; the filler is deterministic.
            var page = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: Self.oggPageBytes)
            if index > 0 { page.replaceSubrange(0..<4, with: Array("OggS".utf8)) }
            buffer.writeBytes(page)
        case .flac:
            buffer.writeRepeatingByte(UInt8(truncatingIfNeeded: index), count: Self.flacBlockBytes)
        }
    }

    /// A canonical 44-byte RIFF/WAVE header for 24 kHz mono 16-bit PCM.
    static func wavHeader(dataBytes: Int) -> [UInt8] {
        var header: [UInt8] = []
        func u32(_ value: Int) { header += withUnsafeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, Array.init) }
        func u16(_ value: Int) { header += withUnsafeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, Array.init) }
        header += Array("RIFF".utf8)
        u32(36 + dataBytes)
        header += Array("WAVEfmt ".utf8)
        u32(16)
        u16(1)  // PCM
        u16(1)  // mono
        u32(sampleRate)
        u32(sampleRate * 2)  // byte rate
        u16(2)  // block align
        u16(16)  // bits per sample
        header += Array("data".utf8)
        u32(dataBytes)
        return header
    }

    /// `fLaC` and a STREAMINFO block (the last metadata block) describing 24 kHz mono 16-bit audio.
    static func flacHeader(totalSamples: Int) -> [UInt8] {
        var header = Array("fLaC".utf8)
        header += [0x80, 0x00, 0x00, 0x22]  // last block, STREAMINFO, 34 bytes
        header += [0x10, 0x00, 0x10, 0x00]  // min and max block size 4096
        header += [0, 0, 0, 0, 0, 0]  // frame sizes unknown
        let packed = (UInt64(sampleRate) << 44) | (UInt64(15) << 36) | (UInt64(totalSamples) & 0xF_FFFF_FFFF)
        header += withUnsafeBytes(of: packed.bigEndian, Array.init)
        header += [UInt8](repeating: 0, count: 16)  // MD5 unknown
        return header
    }
}
