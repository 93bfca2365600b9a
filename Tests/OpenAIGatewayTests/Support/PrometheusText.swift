import Foundation

/// A strict parser of the Prometheus text exposition format 0.0.4, for the `/metrics` tests: every line is a
/// `# HELP`, a `# TYPE`, another comment or a sample; names, label names and escapes are checked; a family's
/// samples are contiguous and come after its TYPE; no sample repeats; a histogram's buckets are cumulative
/// in increasing `le` with a `+Inf` bucket equal to `_count`; counters are not negative.
struct PrometheusText {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    private(set) var types: [String: String] = [:]
    private(set) var help: [String: String] = [:]
    private(set) var samples: [Sample] = []

    /// Samples named `name` whose labels include `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The sum of the samples named `name` whose labels include `labels` (0 when there are none).
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double { samples(name, labels).reduce(0) { $0 + $1.value } }

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw ParseError(line: 0, message: "the text does not end with a line feed") }
        var seen = Set<String>()
        var finishedFamilies = Set<String>()
        var currentFamily: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            let line = String(rawLine)
            func fail(_ message: String) -> ParseError { ParseError(line: number, message: "\(message): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", ["HELP", "TYPE"].contains(parts[1]) else { continue }  // a plain comment
                let name = parts[2]
                guard Self.isMetricName(name) else { throw fail("bad metric name in \(parts[1])") }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw fail("bad TYPE")
                    }
                    guard types[name] == nil else { throw fail("second TYPE for \(name)") }
                    guard !samples.contains(where: { Self.family($0.name, types: [name: parts[3]]) == name }) else {
                        throw fail("TYPE after samples of \(name)")
                    }
                    types[name] = parts[3]
                } else {
                    guard help[name] == nil else { throw fail("second HELP for \(name)") }
                    help[name] = try Self.unescape(parts.count == 4 ? parts[3] : "", allowQuote: false).orThrow(fail("bad escape in HELP"))
                }
                continue
            }
            let sample = try Self.sample(line).orThrow(fail("not a sample"))
            let key = sample.name + "|" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            guard seen.insert(key).inserted else { throw fail("repeated sample") }
            let family = Self.family(sample.name, types: types)
            if family != currentFamily {
                if let currentFamily { finishedFamilies.insert(currentFamily) }
                guard !finishedFamilies.contains(family) else { throw fail("samples of \(family) are not contiguous") }
                currentFamily = family
            }
            if types[family] == "counter", sample.value < 0 || sample.value.isNaN { throw fail("negative counter") }
            if types[family] == "histogram" {
                guard sample.name == family + "_bucket" || sample.name == family + "_sum" || sample.name == family + "_count" else {
                    throw fail("histogram sample that is not _bucket, _sum or _count")
                }
                if sample.name.hasSuffix("_bucket"), sample.labels["le"] == nil { throw fail("bucket without le") }
            }
            samples.append(sample)
        }
        try checkHistograms()
    }

    private func checkHistograms() throws {
        for (family, type) in types where type == "histogram" {
            var series: [String: [(Double, Double)]] = [:]
            for sample in samples where sample.name == family + "_bucket" {
                var labels = sample.labels
                let le = labels.removeValue(forKey: "le") ?? ""
                guard let bound = le == "+Inf" ? Double.infinity : Double(le) else {
                    throw ParseError(line: 0, message: "\(family): bad le \(le)")
                }
                series[Self.labelKey(labels), default: []].append((bound, sample.value))
            }
            for (labels, buckets) in series {
                guard buckets.map(\.0) == buckets.map(\.0).sorted(), buckets.last?.0 == .infinity else {
                    throw ParseError(line: 0, message: "\(family){\(labels)}: buckets not in increasing le order ending at +Inf")
                }
                guard buckets.map(\.1) == buckets.map(\.1).sorted() else {
                    throw ParseError(line: 0, message: "\(family){\(labels)}: buckets not cumulative")
                }
                let count = samples.first { $0.name == family + "_count" && Self.labelKey($0.labels) == labels }?.value
                guard count == buckets.last?.1 else {
                    throw ParseError(line: 0, message: "\(family){\(labels)}: +Inf bucket \(buckets.last?.1 ?? -1) is not _count \(count ?? -1)")
                }
            }
        }
    }

    private static func labelKey(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` belong to the histogram.
    private static func family(_ name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }

    /// `name{a="x",b="y"} value [timestamp]`.
    private static func sample(_ line: String) -> Sample? {
        var rest = Substring(line)
        let name = String(rest.prefix { $0 != "{" && $0 != " " })
        guard isMetricName(name) else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = String(rest.prefix { $0 != "=" })
                guard isLabelName(labelName), labels[labelName] == nil else { return nil }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\"") else { return nil }
                rest = rest.dropFirst(2)
                var raw = ""
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        raw.append("\\")
                        raw.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        raw.append(character)
                    }
                }
                guard let value = unescape(raw, allowQuote: true) else { return nil }
                labels[labelName] = value
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { return nil }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { return nil }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = number(String(fields[0])) else { return nil }
        if fields.count == 2, Int64(fields[1]) == nil { return nil }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func number(_ text: String) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) ? nil : Double(text)
        }
    }

    /// Label values may escape `\\`, `\"` and `\n`; HELP texts `\\` and `\n`.
    private static func unescape(_ text: String, allowQuote: Bool) -> String? {
        var result = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "\\": result.append("\\")
                case "n": result.append("\n")
                case "\"" where allowQuote: result.append("\"")
                default: return nil
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        return escaped ? nil : result
    }
}

extension Optional {
    fileprivate func orThrow(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
