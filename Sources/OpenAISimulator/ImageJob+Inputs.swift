extension ImageJob {
    /// The largest input image, as OpenAI documents it: 50 MB for the GPT image models, 4 MB for
    /// DALL·E (and for every mask).
    static let maxGPTImageBytes = 50 << 20
    static let maxPNGImageBytes = 4 << 20

    /// The input images (and mask) of an edit or variation, checked as OpenAI documents them: at
    /// least one image; for the GPT image models at most 16, each a PNG, JPEG or WebP under 50 MB;
    /// for DALL·E one square PNG under 4 MB; a mask a PNG under 4 MB of the first image's size.
    /// Formats and sizes come from the files' headers (PNG IHDR, JPEG SOF, WebP VP8/VP8L/VP8X).
    static func images(_ inputs: [MultipartForm.File], kind: Kind, family: Family) throws(SimulatorAPIError) -> [MultipartForm.File] {
        guard kind != .generation else { return [] }
        let images = inputs.filter { $0.name != "mask" }
        guard !images.isEmpty else { throw SimulatorAPIError.missingParameter("image") }
        let gpt = family == .gptImage
        let maxImages = gpt ? 16 : 1
        guard images.count <= maxImages else {
            throw .invalidRequest(
                "Invalid 'image': array too long. Expected an array with maximum length \(maxImages), but got an array with length \(images.count) instead.",
                param: "image",
                code: "array_above_max_length"
            )
        }
        for (index, image) in images.enumerated() {
            let header = image.header
            let formats: [ImageHeader.Kind] = gpt ? [.png, .jpeg, .webp] : [.png]
            guard let format = header.kind, formats.contains(format), let size = header.dimensions, size.width > 0, size.height > 0 else {
                let expected = gpt ? "a PNG, JPEG or WebP file" : "a PNG file"
                throw .invalidRequest(
                    "Invalid image file or mode for image \(index + 1), please check your image file: it must be \(expected) whose header gives its dimensions.",
                    param: "image",
                    code: "invalid_image_file"
                )
            }
            let limit = gpt ? maxGPTImageBytes : maxPNGImageBytes
            guard image.bytes < limit else {
                throw .invalidRequest(
                    "Invalid image \(index + 1): the file is \(image.bytes) bytes; images for this model must be less than \(limit >> 20) MB.",
                    param: "image",
                    code: "image_file_too_large"
                )
            }
            if !gpt, size.width != size.height {
                throw .invalidRequest(
                    "Invalid input image - image must be square, but it is \(size.width)x\(size.height).",
                    param: "image",
                    code: "invalid_image_dimensions"
                )
            }
        }
        let masks = inputs.filter { $0.name == "mask" }
        if let mask = masks.first {
            guard kind == .edit else { throw .invalidRequest("Unknown parameter: 'mask'.", param: "mask", code: "unknown_parameter") }
            guard mask.header.kind == .png, let size = mask.header.dimensions else {
                throw .invalidRequest(
                    "Invalid mask image file or mode, please check your mask file: it must be a PNG file.",
                    param: "mask",
                    code: "invalid_image_file"
                )
            }
            guard mask.bytes < maxPNGImageBytes else {
                throw .invalidRequest(
                    "Invalid mask: the file is \(mask.bytes) bytes; a mask must be less than \(maxPNGImageBytes >> 20) MB.",
                    param: "mask",
                    code: "image_file_too_large"
                )
            }
            if let first = images.first?.header.dimensions, first != size {
                throw .invalidRequest(
                    "Invalid mask: the mask is \(size.width)x\(size.height) but the image is \(first.width)x\(first.height); they must have the same dimensions.",
                    param: "mask",
                    code: "mask_dimensions_mismatch"
                )
            }
        }
        return inputs
    }
}
