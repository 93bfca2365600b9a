import Foundation

/// Typed readers of the catalogue's `capabilities` objects, so that rules read data instead of lists in
/// code. Each returns `nil` when the capability is absent or does not have the expected shape: a rule
/// then treats the capability as "not stated" (and does not check it).
///
/// ```swift
/// let tts = ModelCatalogue.bundled.model("tts-1")
/// tts?.task                              // "speech"
/// tts?.stringList("voices")              // ["alloy", "ash", ...]
/// tts?.range("speed")                    // 0.25...4.0
/// tts?.integer("max_input_characters")   // 4096
/// tts?.flag("instructions")              // false
/// ```
extension ModelInfo {
    /// `capabilities.task` (`speech`, `transcription`, ...).
    public var task: String? { capabilities["task"]?.stringValue }

    /// A capability that is an array of strings, in the catalogue's order; `nil` when absent, not an
    /// array, or when an element is not a string.
    public func stringList(_ name: String) -> [String]? {
        guard let array = capabilities[name]?.arrayValue else { return nil }
        let strings = array.compactMap(\.stringValue)
        return strings.count == array.count ? strings : nil
    }

    /// A string capability.
    public func string(_ name: String) -> String? {
        capabilities[name]?.stringValue
    }

    /// An integral capability (`max_input_characters`, `max_file_bytes`).
    public func integer(_ name: String) -> Int? {
        capabilities[name]?.intValue
    }

    /// A numeric capability.
    public func number(_ name: String) -> Double? {
        capabilities[name]?.doubleValue.flatMap { $0.isFinite ? $0 : nil }
    }

    /// A boolean capability as stated: `nil` when the catalogue does not say (unlike ``supports(_:)``,
    /// which reads an absent capability as false).
    public func flag(_ name: String) -> Bool? {
        capabilities[name]?.boolValue
    }

    /// A capability of the shape `{"min": a, "max": b}` as `a...b`; `nil` when absent, when a bound is
    /// missing or not finite, or when `min > max`.
    public func range(_ name: String) -> ClosedRange<Double>? {
        guard let object = capabilities[name], let min = object["min"]?.doubleValue, let max = object["max"]?.doubleValue,
            min.isFinite, max.isFinite, min <= max
        else { return nil }
        return min...max
    }
}

extension ModelCatalogue {
    /// Every model, in the catalogue's order (``orderedNames``).
    public var orderedModels: [ModelInfo] {
        orderedNames.compactMap { models[$0] }
    }

    /// The models of `kind` (and of `task`, when given), in the catalogue's order. With `availableOn`,
    /// models retired at that date are left out.
    ///
    /// ```swift
    /// catalogue.models(kind: .audio, task: "speech", availableOn: Date()).map(\.name)
    /// // ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
    /// ```
    public func models(kind: ModelKind, task: String? = nil, availableOn date: Date? = nil) -> [ModelInfo] {
        orderedModels.filter { info in
            info.kind == kind && (task == nil || info.task == task) && !(date.map { info.isRetired(on: $0) } ?? false)
        }
    }

    /// The models retired at `date`, in the catalogue's order.
    public func retiredModels(on date: Date) -> [ModelInfo] {
        orderedModels.filter { $0.isRetired(on: date) }
    }
}

/// A capability over several models (the models a rule or a schema has to allow for): the values any
/// of them takes, the largest limit, the widest range.
extension Array where Element == ModelInfo {
    /// The values of a list capability over these models: the longest list in its own order (the first of
    /// equally long ones, in catalogue order), then what the others add. Nil when `models` is empty or one
    /// of them does not state it (then any value may be right, and none is checked).
    public func capabilityUnion(_ capability: String) -> [String]? {
        guard !isEmpty else { return nil }
        var lists: [[String]] = []
        for model in self {
            guard let list = model.stringList(capability) else { return nil }
            lists.append(list)
        }
        let ordered = lists.enumerated().sorted { ($0.element.count, $1.offset) > ($1.element.count, $0.offset) }
        var values: [String] = []
        var seen = Set<String>()
        for (_, list) in ordered {
            for value in list where seen.insert(value).inserted { values.append(value) }
        }
        return values
    }

    /// The largest integer capability over these models; nil when empty or one does not state it.
    public func largestCapability(_ capability: String) -> Int? {
        let values = compactMap { $0.integer(capability) }
        guard !isEmpty, values.count == count else { return nil }
        return values.max()
    }

    /// The smallest range holding every model's range; nil when empty or one does not state it.
    public func widestRange(_ capability: String) -> ClosedRange<Double>? {
        let ranges = compactMap { $0.range(capability) }
        guard !isEmpty, ranges.count == count,
            let lower = ranges.map(\.lowerBound).min(), let upper = ranges.map(\.upperBound).max()
        else { return nil }
        return lower...upper
    }
}
