/// How hints and messages list values.
enum Wording {
    /// `a`, `a or b`, `a, b or c` (hints); with `serialComma`, `a, b, or c` (the seed's messages).
    static func orList(_ items: [String], serialComma: Bool = false) -> String {
        switch items.count {
        case 0: return "(none)"
        case 1: return items[0]
        case 2: return "\(items[0]) or \(items[1])"
        default: return items.dropLast().joined(separator: ", ") + (serialComma ? ", or " : " or ") + items[items.count - 1]
        }
    }

    /// `either word or segment` for two values (the seed's), `word` for one, `one of: a, b, c` otherwise.
    static func eitherList(_ items: [String]) -> String {
        switch items.count {
        case 1: return items[0]
        case 2: return "either \(items[0]) or \(items[1])"
        default: return "one of: \(items.joined(separator: ", "))"
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func andList(_ items: [String]) -> String {
        guard let last = items.last else { return "(none)" }
        return items.count == 1 ? last : items.dropLast().joined(separator: ", ") + " and " + last
    }
}
