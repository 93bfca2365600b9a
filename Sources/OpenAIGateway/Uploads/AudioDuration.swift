/// Reads an audio file's duration from its header, so a transcription the upstream reports no
/// duration for can still be priced per minute.
enum AudioDuration {
    /// The duration of a RIFF/WAVE file from its `fmt ` chunk's byte rate and its `data` chunk's size
    /// (the bytes after the header when the size is a streaming placeholder or runs past the file).
    /// - Parameters:
    ///   - head: the file's first bytes (the header; 44 bytes for a plain PCM WAV).
    ///   - fileBytes: the whole file's size.
    /// - Returns: nil when `head` is not a WAV header this can read.
    static func wavSeconds(head: [UInt8], fileBytes: Int) -> Double? {
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
}

extension UInt32 {
    fileprivate init(littleEndianBytes bytes: ArraySlice<UInt8>) {
        var value: UInt32 = 0
        for (shift, byte) in bytes.prefix(4).enumerated() { value |= UInt32(byte) << (8 * UInt32(shift)) }
        self = value
    }
}
