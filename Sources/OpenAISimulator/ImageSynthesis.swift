/// A simulated image: a deterministic pattern of the requested size, picked by a seed. The
/// pattern is a grid of 8×8 seeded colours (cells as wide and high as the image allows) shaded
/// by a top-to-bottom gradient, so every row is a few runs of equal pixels: that keeps the
/// encoders simple and fast (see ``PNGEncoder``), and the files small.
///
/// PNG is a real image (RGB, or RGBA with a transparent border for `background: "transparent"`);
/// JPEG is a real baseline JPEG of the pattern's 8×8 block averages; `webp` is served as the
/// same PNG bytes under `image/webp` (the README says so): a client that sniffs the bytes still
/// gets a real image.
///
/// The seed and the size are all there is to an image, so an image URL names both and the bytes
/// are made again when it is fetched (nothing is stored).
struct SimulatedImage: Sendable, Equatable {
    enum Format: String, Sendable, CaseIterable {
        case png, jpeg, webp

        var contentType: String { "image/\(rawValue)" }
    }

    /// The largest side the simulator draws (gpt-image-2's largest resolution is 3840×2160).
    static let maxSide = 4096

    var seed: UInt64
    var width: Int
    var height: Int
    var format: Format
    var transparent: Bool
    /// `nil` for the final image; a partial image `k` of `count` is a coarser version of it.
    var partial: (index: Int, count: Int)?

    static func == (lhs: SimulatedImage, rhs: SimulatedImage) -> Bool {
        lhs.seed == rhs.seed && lhs.width == rhs.width && lhs.height == rhs.height && lhs.format == rhs.format
            && lhs.transparent == rhs.transparent && lhs.partial?.index == rhs.partial?.index
            && lhs.partial?.count == rhs.partial?.count
    }

    init(seed: UInt64, width: Int, height: Int, format: Format, transparent: Bool, partial: (index: Int, count: Int)? = nil) {
        self.seed = seed
        self.width = max(1, min(Self.maxSide, width))
        self.height = max(1, min(Self.maxSide, height))
        self.format = format
        self.transparent = transparent
        self.partial = partial
    }

    /// `WIDTHxHEIGHT` (`1536x1024`) as two positive numbers no larger than ``maxSide``.
    static func dimensions(_ size: String) -> (width: Int, height: Int)? {
        let parts = size.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 5 && $0.allSatisfy { ("0"..."9").contains($0) } }),
            let width = Int(parts[0]), let height = Int(parts[1]), (1...maxSide).contains(width), (1...maxSide).contains(height)
        else { return nil }
        return (width, height)
    }

    /// The image's bytes in its format.
    var bytes: [UInt8] {
        let pattern = Pattern(self)
        switch format {
        case .png, .webp: return PNGEncoder.encode(pattern, alpha: transparent)
        case .jpeg: return JPEGEncoder.encode(pattern)
        }
    }

    /// The name an image URL ends with: `img-<seed>[-t]-<width>x<height>.<format>` (`-t`: transparent).
    var fileName: String {
        "img-" + String(seed, radix: 16) + (transparent ? "-t" : "") + "-\(width)x\(height)." + format.rawValue
    }

    /// The image a ``fileName`` names; `nil` for anything else.
    init?(fileName: String) {
        guard fileName.hasPrefix("img-"), let dot = fileName.lastIndex(of: ".") else { return nil }
        guard let format = Format(rawValue: String(fileName[fileName.index(after: dot)...])) else { return nil }
        var parts = fileName[fileName.index(fileName.startIndex, offsetBy: 4)..<dot].split(separator: "-", omittingEmptySubsequences: false)
        guard let size = parts.popLast(), let (width, height) = Self.dimensions(String(size)) else { return nil }
        let transparent = parts.last == "t"
        if transparent { parts.removeLast() }
        guard parts.count == 1, let stem = parts.first, !stem.isEmpty, stem.count <= 16, let seed = UInt64(stem, radix: 16) else { return nil }
        self.init(seed: seed, width: width, height: height, format: format, transparent: transparent)
    }
}

/// One pixel, 8 bits per channel.
struct Pixel: Sendable, Equatable {
    var r: UInt8
    var g: UInt8
    var b: UInt8
    var a: UInt8
}

/// `length` equal pixels in a row.
struct PixelRun: Sendable, Equatable {
    var pixel: Pixel
    var length: Int
}

/// The pixels of a ``SimulatedImage``, row by row as runs of equal pixels.
struct Pattern: Sendable {
    let width: Int
    let height: Int
    let transparent: Bool
    /// Cells across and down: 8 for a final image, 4, 2 or 1 for the partial images before it.
    let cellsAcross: Int
    let cellsDown: Int
    /// Width of the transparent border.
    let border: Int
    /// 8×8 seeded colours: cell (column c, row r) takes `palette[r * 8 + c]`.
    let palette: [Pixel]
    /// Where each cell column starts, and the width as the last entry.
    private let columnStarts: [Int]

    init(_ image: SimulatedImage) {
        width = image.width
        height = image.height
        transparent = image.transparent
        var grid = 8
        if let partial = image.partial { grid = 8 >> max(1, min(3, partial.count - partial.index)) }
        cellsAcross = min(grid, width)
        cellsDown = min(grid, height)
        border = transparent ? max(1, min(width, height) / 16) : 0
        var random = SplitMix64(seed: image.seed)
        palette = (0..<64).map { _ in
            let value = random.next()
            return Pixel(
                r: UInt8(truncatingIfNeeded: value),
                g: UInt8(truncatingIfNeeded: value >> 8),
                b: UInt8(truncatingIfNeeded: value >> 16),
                a: 255
            )
        }
        let across = cellsAcross
        let width = self.width
        columnStarts = (0...across).map { $0 * width / across }
    }

    /// The colour of cell row `cellRow`, column `column`, shaded for pixel row `y`: red rises
    /// and green falls from top to bottom.
    private func colour(cellRow: Int, column: Int, y: Int) -> Pixel {
        let base = palette[cellRow * 8 + column]
        let gradient = height > 1 ? y * 255 / (height - 1) : 0
        return Pixel(
            r: base.r / 2 + UInt8(gradient / 2),
            g: base.g / 2 + UInt8((255 - gradient) / 2),
            b: base.b,
            a: 255
        )
    }

    /// Row `y` as runs of equal pixels, left to right (adjacent runs differ).
    func runs(row y: Int) -> [PixelRun] {
        let cellRow = y * cellsDown / height
        let borderRow = y < border || y >= height - border
        var runs: [PixelRun] = []
        runs.reserveCapacity(cellsAcross + 2)
        func add(_ pixel: Pixel, _ length: Int) {
            guard length > 0 else { return }
            if let last = runs.last, last.pixel == pixel {
                runs[runs.count - 1].length += length
            } else {
                runs.append(PixelRun(pixel: pixel, length: length))
            }
        }
        for column in 0..<cellsAcross {
            var pixel = colour(cellRow: cellRow, column: column, y: y)
            let start = columnStarts[column]
            let end = columnStarts[column + 1]
            guard border > 0 else {
                add(pixel, end - start)
                continue
            }
            // The border's pixels keep their colour with alpha 0.
            let inner = (max(start, border), min(end, width - border))
            if borderRow || inner.0 >= inner.1 {
                pixel.a = 0
                add(pixel, end - start)
                continue
            }
            var clear = pixel
            clear.a = 0
            add(clear, inner.0 - start)
            add(pixel, inner.1 - inner.0)
            add(clear, end - inner.1)
        }
        return runs
    }

    /// One pixel (for tests and samples; the encoders walk ``runs(row:)``).
    func pixel(x: Int, y: Int) -> Pixel? {
        guard (0..<width).contains(x), (0..<height).contains(y) else { return nil }
        var start = 0
        for run in runs(row: y) {
            if x < start + run.length { return run.pixel }
            start += run.length
        }
        return nil
    }
}
