import Foundation
import OpenAIClient

/// The simulated vector store's text machinery: chunking, lexical ranking (BM25), attribute
/// filters and the query rewrite. Everything is deterministic, so a test can name the chunk a query
/// finds and the score it gets.
enum VectorStoreIndex {
    /// A chunking strategy as the simulator applies it, in "tokens" (whitespace-separated words).
    struct Chunking: Sendable, Equatable {
        var maxTokens: Int
        var overlapTokens: Int

        /// OpenAI's `auto` strategy: 800 tokens with an overlap of 400.
        static let auto = Chunking(maxTokens: 800, overlapTokens: 400)

        /// The `chunking_strategy` member of a vector store file (OpenAI reports `auto` as the static values it used).
        var json: JSONValue {
            [
                "type": "static",
                "static": ["max_chunk_size_tokens": JSONValue(maxTokens), "chunk_overlap_tokens": JSONValue(overlapTokens)],
            ]
        }
    }

    /// One searchable piece of a file.
    struct Chunk: Sendable {
        var text: String
        /// The chunk's terms and how often each occurs.
        var termCounts: [String: Int]
        var length: Int
    }

    // MARK: - Chunking

    /// Splits `text` into windows of `maxTokens` words, each starting `maxTokens - overlapTokens`
    /// words after the previous one; the last window ends at the last word.
    static func chunks(_ text: String, chunking: Chunking) -> [Chunk] {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        guard !words.isEmpty else { return [] }
        let size = max(1, chunking.maxTokens)
        let step = max(1, size - chunking.overlapTokens)
        var chunks: [Chunk] = []
        var start = 0
        while start < words.count {
            let end = min(words.count, start + size)
            let text = words[start..<end].joined(separator: " ")
            let terms = terms(text)
            chunks.append(Chunk(text: text, termCounts: terms.reduce(into: [:]) { $0[$1, default: 0] += 1 }, length: terms.count))
            if end == words.count { break }
            start += step
        }
        return chunks
    }

    /// Lowercased runs of letters and digits.
    static func terms(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    // MARK: - Query rewrite

    static let stopwords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "in", "is", "it",
        "me", "my", "of", "on", "or", "please", "tell", "that", "the", "this", "to", "was", "what", "when", "where", "which",
        "who", "why", "with", "you", "about",
    ]

    /// The simulator's `rewrite_query`: the queries' terms, lowercased, without stopwords, each once, in order.
    static func rewrite(_ queries: [String]) -> String {
        var seen: Set<String> = []
        var kept: [String] = []
        for term in queries.flatMap(terms) where !stopwords.contains(term) && seen.insert(term).inserted {
            kept.append(term)
        }
        return kept.isEmpty ? queries.joined(separator: " ") : kept.joined(separator: " ")
    }

    // MARK: - Ranking

    /// A chunk as ranked: where it comes from and its score in 0..<1.
    struct Scored: Sendable {
        var fileIndex: Int
        var chunkIndex: Int
        var score: Double
    }

    /// BM25 (k1 = 1.2, b = 0.75) of every chunk that shares a term with the query, mapped to 0..<1
    /// by `s / (s + 1)`, best first (ties: file order, then chunk order).
    /// - Parameter files: each candidate file's chunks, in the store's order.
    static func rank(query: [String], files: [[Chunk]]) -> [Scored] {
        let queryTerms = Array(Set(query.flatMap(terms))).sorted()
        let all = files.flatMap { $0 }
        guard !queryTerms.isEmpty, !all.isEmpty else { return [] }
        let count = Double(all.count)
        let averageLength = max(1, Double(all.reduce(0) { $0 + $1.length }) / count)
        var idf: [String: Double] = [:]
        for term in queryTerms {
            let frequency = Double(all.count { $0.termCounts[term] != nil })
            idf[term] = log(1 + (count - frequency + 0.5) / (frequency + 0.5))
        }
        let k1 = 1.2
        let b = 0.75
        var scored: [Scored] = []
        for (fileIndex, chunks) in files.enumerated() {
            for (chunkIndex, chunk) in chunks.enumerated() {
                var raw = 0.0
                for term in queryTerms {
                    guard let tf = chunk.termCounts[term].map(Double.init) else { continue }
                    raw += (idf[term] ?? 0) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * Double(chunk.length) / averageLength))
                }
                guard raw > 0 else { continue }
                scored.append(Scored(fileIndex: fileIndex, chunkIndex: chunkIndex, score: raw / (raw + 1)))
            }
        }
        return scored.sorted {
            if $0.score != $1.score { return $0.score > $1.score }
            if $0.fileIndex != $1.fileIndex { return $0.fileIndex < $1.fileIndex }
            return $0.chunkIndex < $1.chunkIndex
        }
    }

    // MARK: - Filters

    /// What is wrong with a search filter (nil when it is valid), as OpenAI would say it.
    static func filterProblem(_ filter: JSONValue, path: String = "filters") -> String? {
        guard let object = filter.objectValue, let type = object["type"]?.stringValue else {
            return "Invalid '\(path)': expected an object with a string 'type'."
        }
        switch type {
        case "and", "or":
            guard let filters = object["filters"]?.arrayValue, !filters.isEmpty else {
                return "Invalid '\(path).filters': expected a non-empty array."
            }
            for (index, child) in filters.enumerated() {
                if let problem = filterProblem(child, path: "\(path).filters[\(index)]") { return problem }
            }
            return nil
        case "eq", "ne", "gt", "gte", "lt", "lte", "in", "nin":
            guard let key = object["key"]?.stringValue, !key.isEmpty else { return "Invalid '\(path).key': expected a non-empty string." }
            guard let value = object["value"] else { return "Missing required parameter: '\(path).value'." }
            switch value {
            case .string, .int, .double, .bool:
                return type == "in" || type == "nin" ? "Invalid '\(path).value': '\(type)' expects an array." : nil
            case .array(let items):
                guard type == "in" || type == "nin" || type == "eq" || type == "ne" else {
                    return "Invalid '\(path).value': '\(type)' expects a string, number or boolean."
                }
                let scalars = items.allSatisfy {
                    switch $0 {
                    case .string, .int, .double: true
                    default: false
                    }
                }
                return scalars ? nil : "Invalid '\(path).value': array items must be strings or numbers."
            default:
                return "Invalid '\(path).value': expected a string, number, boolean or array."
            }
        default:
            return "Invalid '\(path).type': '\(type)' is not one of eq, ne, gt, gte, lt, lte, in, nin, and, or."
        }
    }

    /// Whether a file with these attributes passes `filter` (a valid one). A comparison on a missing
    /// attribute is false, except `ne` and `nin`, which it passes.
    static func matches(_ filter: JSONValue, attributes: JSONObject) -> Bool {
        guard let type = filter["type"]?.stringValue else { return false }
        switch type {
        case "and": return (filter["filters"]?.arrayValue ?? []).allSatisfy { matches($0, attributes: attributes) }
        case "or": return (filter["filters"]?.arrayValue ?? []).contains { matches($0, attributes: attributes) }
        default: break
        }
        guard let key = filter["key"]?.stringValue, let expected = filter["value"] else { return false }
        guard let actual = attributes[key], !actual.isNull else { return type == "ne" || type == "nin" }
        switch type {
        case "eq": return equal(actual, expected)
        case "ne": return !equal(actual, expected)
        case "in", "nin":
            let found = (expected.arrayValue ?? [expected]).contains { equal(actual, $0) }
            return type == "in" ? found : !found
        default:
            guard let order = compare(actual, expected) else { return false }
            switch type {
            case "gt": return order > 0
            case "gte": return order >= 0
            case "lt": return order < 0
            default: return order <= 0
            }
        }
    }

    private static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if let array = rhs.arrayValue { return array.contains { equal(lhs, $0) } }
        if let left = lhs.doubleValue, let right = rhs.doubleValue { return left == right }
        return lhs == rhs
    }

    /// -1, 0 or 1 for two numbers or two strings; nil for anything else.
    private static func compare(_ lhs: JSONValue, _ rhs: JSONValue) -> Int? {
        if let left = lhs.doubleValue, let right = rhs.doubleValue { return left < right ? -1 : (left > right ? 1 : 0) }
        if let left = lhs.stringValue, let right = rhs.stringValue { return left < right ? -1 : (left > right ? 1 : 0) }
        return nil
    }
}
