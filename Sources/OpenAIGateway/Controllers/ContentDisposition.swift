import OpenAIClient

/// Download headers shared by the Files and Audio controllers: the media type of a filename and a
/// `Content-Disposition` that cannot be used for header injection.
enum ContentDisposition {
    /// Media types by lowercased extension (seed-behavior §1.5); anything else is `application/octet-stream`.
    static let mediaTypes: [String: String] = [
        "pdf": "application/pdf", "txt": "text/plain", "md": "text/markdown", "html": "text/html",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "json": "application/json", "jsonl": "application/jsonl", "csv": "text/csv", "xml": "application/xml",
        "js": "application/javascript", "ts": "application/typescript", "py": "text/x-python", "java": "text/x-java",
        "c": "text/x-c", "cpp": "text/x-c++",
    ]

    static let fallbackMediaType = "application/octet-stream"

    /// The lowercased extension of `filename` (after its last dot), or nil when it has none.
    static func fileExtension(of filename: String) -> String? {
        let name = filename.split(separator: "/").last.map(String.init) ?? filename
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        return ext.isEmpty ? nil : ext
    }

    /// The media type for `filename` by its extension, case-insensitively.
    /// - Parameter extra: more extension → type pairs (e.g. audio formats), consulted first.
    static func contentType(forFilename filename: String, extra: [String: String] = [:]) -> String {
        guard let ext = fileExtension(of: filename) else { return fallbackMediaType }
        return extra[ext] ?? mediaTypes[ext] ?? fallbackMediaType
    }

    /// `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / RFC 8187).
    ///
    /// Control characters (CR, LF, ...) are removed from both forms, so the value is always one
    /// header line. The quoted fallback keeps printable ASCII only (quotes, backslashes, path
    /// separators and non-ASCII become `_`); clients that read `filename*` get the exact name.
    static func attachment(filename: String, defaultName: String = "download") -> String {
        var cleaned = String(String.UnicodeScalarView(filename.unicodeScalars.filter { !isControl($0) }))
        cleaned = cleaned.trimmingSpaces()
        if cleaned.isEmpty { cleaned = defaultName }
        return
            "attachment; filename=\"\(asciiFallback(cleaned, defaultName: defaultName))\"; filename*=UTF-8''\(PercentEncoding.encode(cleaned, .attributeValue))"
    }

    /// The quoted-string form: printable ASCII without `"`, `\`, `/`; everything else becomes `_`.
    static func asciiFallback(_ filename: String, defaultName: String = "download") -> String {
        var out = ""
        for scalar in filename.unicodeScalars {
            if isControl(scalar) { continue }
            if scalar.isASCII, scalar != "\"", scalar != "\\", scalar != "/" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "_"
            }
        }
        out = out.trimmingSpaces()
        return out.isEmpty ? defaultName : out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
