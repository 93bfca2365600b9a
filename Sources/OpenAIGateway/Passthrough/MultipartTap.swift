import NIOCore
import OpenAIClient

/// Reads a multipart body as it passes through unchanged (a `/v1` upload): its small text fields
/// (`model`, `response_format`, ...) and the first bytes of its file, for the call record and metering.
/// Never holds more than ``fieldLimit`` per field and ``UploadedFile/headLimit`` of the file.
struct MultipartTap {
    static let fieldLimit = 1024
    /// The fields metering reads; the others pass without being kept.
    static let meteredFields: Set<String> = ["model", "n", "size", "quality", "response_format", "seconds"]

    private var parser: MultipartParser?
    private var current: (name: String, isFile: Bool, bytes: [UInt8])?
    private(set) var fields: [String: String] = [:]
    /// The first bytes of the first file part.
    private(set) var fileHead: [UInt8] = []
    private(set) var fileBytes = 0
    private var sawFile = false

    init(contentType: String?) {
        if let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = MultipartParser.boundary(fromContentType: contentType)
        {
            parser = MultipartParser(boundary: boundary)
        }
    }

    /// Feeds the next chunk of the body. A body the parser cannot read stops the tap, not the upload.
    mutating func append(_ chunk: ByteBuffer) {
        guard var parser else { return }
        parser.append(chunk)
        do {
            while let event = try parser.next() { handle(event) }
            self.parser = parser
        } catch {
            self.parser = nil
        }
    }

    private mutating func handle(_ event: MultipartEvent) {
        switch event {
        case .head(let head):
            let isFile = head.filename != nil
            current = (head.name ?? "", isFile, [])
            if isFile, !sawFile { sawFile = true } else if isFile { current = nil }
        case .body(let buffer):
            guard var part = current else { return }
            if part.isFile {
                fileBytes += buffer.readableBytes
                if fileHead.count < UploadedFile.headLimit {
                    fileHead += buffer.readableBytesView.prefix(UploadedFile.headLimit - fileHead.count)
                }
            } else if Self.meteredFields.contains(part.name), part.bytes.count < Self.fieldLimit {
                part.bytes += buffer.readableBytesView.prefix(Self.fieldLimit - part.bytes.count)
                current = part
            }
        case .partEnd:
            if let part = current, !part.isFile, Self.meteredFields.contains(part.name), fields[part.name] == nil {
                fields[part.name] = String(decoding: part.bytes, as: UTF8.self)
            }
            current = nil
        case .end:
            parser = nil
        }
    }
}
