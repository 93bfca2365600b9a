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

    /// The candidate closest to `value` by ``editDistance(_:_:)``, when it is close enough to be a typo
    /// (at most 2 edits, or a third of its length): "did you mean …?".
    static func nearest(to value: String, among candidates: [String]) -> String? {
        let ranked = candidates.map { ($0, editDistance(value, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = ranked, distance <= max(2, best.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance over characters (inputs are short form values).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(64))
        let b = Array(b.prefix(64))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
