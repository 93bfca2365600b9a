import Foundation
import OpenAIClient
import TestSupport
import Testing

@testable import OpenAISimulator

/// Decodes images with `sdk/image_check.py` (python3's `zlib` and `struct`, no PIL).
enum ImageCheck {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("sdk").appendingPathComponent("image_check.py")

    /// What the script reports about `bytes`; with `expected` (raw RGB or RGBA rows) it also says
    /// whether the decoded pixels are exactly those.
    static func decode(_ bytes: [UInt8], expected: [UInt8]? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let directory = FileManager.default.temporaryDirectory
        let file = directory.appendingPathComponent("simimage-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        var arguments = [script.path, file.path]
        var expectedFile: URL?
        if let expected {
            let url = directory.appendingPathComponent("simimage-\(UUID().uuidString).raw")
            try Data(expected).write(to: url)
            arguments.append(url.path)
            expectedFile = url
        }
        defer {
            try? FileManager.default.removeItem(at: file)
            if let expectedFile { try? FileManager.default.removeItem(at: expectedFile) }
        }
        let (status, output) = await PythonProcess.run(arguments, timeout: .seconds(60))
        #expect(status == 0, "image_check.py: \(output)", sourceLocation: sourceLocation)
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        return try JSONValue(parsing: line)
    }

    /// The pattern's pixels as PNG stores them: rows of RGB (or RGBA) bytes.
    static func rawPixels(_ image: SimulatedImage) -> [UInt8] {
        let pattern = Pattern(image)
        var raw: [UInt8] = []
        raw.reserveCapacity(image.width * image.height * 4)
        for y in 0..<image.height {
            for run in pattern.runs(row: y) {
                let pixel = run.pixel
                let bytes = image.transparent ? [pixel.r, pixel.g, pixel.b, pixel.a] : [pixel.r, pixel.g, pixel.b]
                for _ in 0..<run.length { raw += bytes }
            }
        }
        return raw
    }
}

@Suite("Simulator image encoding")
struct SimulatorImageEncodingTests {
    static let sizes = [(1024, 1024), (1536, 1024), (1024, 1536), (256, 256), (512, 512), (1792, 1024), (1024, 1792), (37, 5)]

    @Test("a PNG of every size decodes with python's zlib to exactly the pattern's pixels", arguments: [false, true])
    func pngDecodesToThePattern(transparent: Bool) async throws {
        for (width, height) in Self.sizes {
            let image = SimulatedImage(seed: 0xF00D, width: width, height: height, format: .png, transparent: transparent)
            let bytes = image.bytes
            let decoded = try await ImageCheck.decode(bytes, expected: ImageCheck.rawPixels(image))
            #expect(decoded["width"]?.intValue == width && decoded["height"]?.intValue == height, "\(decoded)")
            #expect(decoded["channels"]?.intValue == (transparent ? 4 : 3))
            #expect(decoded["matches"] == true, "\(width)x\(height): \(decoded)")
            // A real picture: cells times gradient rows, not one flat colour.
            #expect((decoded["colours"]?.intValue ?? 0) > min(64, height), "\(decoded)")
            if transparent {
                #expect(decoded["corner"]?[3]?.intValue == 0 && decoded["centre"]?[3]?.intValue == 255, "\(decoded)")
            }
        }
    }

    @Test("a 1024x1024 PNG is small and made fast, also in a debug build")
    func pngIsSmallAndFast() {
        for (width, height) in [(1024, 1024), (1536, 1024), (1792, 1024)] {
            let image = SimulatedImage(seed: 42, width: width, height: height, format: .png, transparent: false)
            var fastest = Duration.seconds(10)
            var size = 0
            for _ in 0..<3 {
                let clock = ContinuousClock()
                let start = clock.now
                size = image.bytes.count
                fastest = min(fastest, clock.now - start)
            }
            print("PNG \(width)x\(height): \(size) bytes in \(fastest)")
            #expect(size < 100_000, "\(width)x\(height) PNG is \(size) bytes")
            #expect(fastest < .milliseconds(100), "\(width)x\(height) PNG took \(fastest)")
        }
        let transparent = SimulatedImage(seed: 42, width: 1024, height: 1024, format: .png, transparent: true)
        #expect(transparent.bytes.count < 100_000)
    }

    @Test("partial images are coarser versions of the final image")
    func partialImagesAreCoarser() {
        let final = SimulatedImage(seed: 7, width: 1024, height: 1024, format: .png, transparent: false)
        var cellCounts: [Int] = []
        for index in 0..<3 {
            var partial = final
            partial.partial = (index, 3)
            cellCounts.append(Pattern(partial).cellsAcross)
            #expect(partial.bytes != final.bytes)
        }
        cellCounts.append(Pattern(final).cellsAcross)
        #expect(cellCounts == [1, 2, 4, 8])
        // The top-left cell keeps its colour from the first partial image to the final one.
        var first = final
        first.partial = (0, 3)
        #expect(Pattern(first).pixel(x: 0, y: 0) == Pattern(final).pixel(x: 0, y: 0))
        #expect(Pattern(final).runs(row: 500).count == 8)
    }

    @Test("a JPEG is a baseline frame of the requested size")
    func jpegHasTheRequestedSize() async throws {
        for (width, height) in [(1536, 1024), (1024, 1792), (37, 5)] {
            let image = SimulatedImage(seed: 9, width: width, height: height, format: .jpeg, transparent: false)
            let bytes = image.bytes
            #expect(bytes.count < 60_000)
            let decoded = try await ImageCheck.decode(bytes)
            #expect(decoded["format"] == "jpeg" && decoded["components"]?.intValue == 3 && decoded["precision"]?.intValue == 8)
            #expect(decoded["width"]?.intValue == width && decoded["height"]?.intValue == height, "\(decoded)")
            var header = ImageHeader()
            bytes.withUnsafeBytes { header.consume($0) }
            #expect(header.kind == .jpeg && header.dimensions?.width == width && header.dimensions?.height == height)
        }
    }

    @Test("an image URL's name carries the seed, flags and size")
    func fileNamesRoundTrip() throws {
        let image = SimulatedImage(seed: 0xABC, width: 1536, height: 1024, format: .webp, transparent: true)
        #expect(image.fileName == "img-abc-t-1536x1024.webp")
        #expect(SimulatedImage(fileName: image.fileName) == image)
        let plain = SimulatedImage(seed: 1, width: 256, height: 256, format: .png, transparent: false)
        #expect(SimulatedImage(fileName: plain.fileName) == plain)
        for bad in [
            "img-abc.png", "img-abc-0x10.png", "img-abc-5000x10.png", "img--10x10.png", "img-abc-x-10x10.png", "img-abc-10x10.gif", "abc-10x10.png",
        ] {
            #expect(SimulatedImage(fileName: bad) == nil, "\(bad)")
        }
    }

    /// Feeds `bytes` to a header reader in pieces of `piece` bytes.
    private func header(_ bytes: [UInt8], piece: Int) -> ImageHeader {
        var header = ImageHeader()
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + piece)
            Array(bytes[start..<end]).withUnsafeBytes { header.consume($0) }
            start = end
        }
        header.finish()
        return header
    }

    @Test("image headers are read as the bytes arrive, in any pieces", arguments: [1, 7, 1 << 16])
    func headersAreReadInPieces(piece: Int) {
        let png = SimulatedImage(seed: 3, width: 1536, height: 1024, format: .png, transparent: true).bytes
        let readPNG = header(png, piece: piece)
        #expect(readPNG.kind == .png && readPNG.dimensions?.width == 1536 && readPNG.dimensions?.height == 1024 && readPNG.pngColourType == 6)

        // A JPEG with a long APP1 segment (and fill bytes) before its frame header.
        let jpeg = SimulatedImage(seed: 3, width: 640, height: 480, format: .jpeg, transparent: false).bytes
        let app1: [UInt8] = [0xFF, 0xE1, 0x9C, 0x42] + [UInt8](repeating: 0xFF, count: 0x9C40)
        let long = Array(jpeg[0..<2]) + app1 + [0xFF] + Array(jpeg[2...])
        let readJPEG = header(long, piece: piece)
        #expect(readJPEG.kind == .jpeg && readJPEG.dimensions?.width == 640 && readJPEG.dimensions?.height == 480)

        // WebP: lossless (VP8L), lossy (VP8) and extended (VP8X) headers.
        func riff(_ chunk: String, _ data: [UInt8]) -> [UInt8] {
            var bytes = Array("RIFF".utf8)
            bytes.appendLittleEndian(UInt32(12 + data.count))
            bytes += Array("WEBP".utf8) + Array(chunk.utf8)
            bytes.appendLittleEndian(UInt32(data.count))
            return bytes + data
        }
        let bits = UInt32(300 - 1) | UInt32(200 - 1) << 14
        let vp8l = riff(
            "VP8L",
            [0x2F, UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)] + [UInt8](repeating: 0, count: 20)
        )
        let vp8 = riff("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, 0x2C, 0x01, 0xC8, 0x00] + [UInt8](repeating: 0, count: 20))
        let vp8x = riff("VP8X", [0, 0, 0, 0, 0x2B, 0x01, 0x00, 0xC7, 0x00, 0x00] + [UInt8](repeating: 0, count: 20))
        for webp in [vp8l, vp8, vp8x] {
            let read = header(webp, piece: piece)
            #expect(read.kind == .webp && read.dimensions?.width == 300 && read.dimensions?.height == 200, "\(webp.prefix(30))")
        }

        for junk in [Array("plain text, not an image at all".utf8), Array(png.prefix(12)), [0xFF, 0xD8, 0xFF, 0xDA, 0, 2], []] {
            #expect(header(junk, piece: piece).dimensions == nil, "\(junk.prefix(12))")
        }
    }
}
