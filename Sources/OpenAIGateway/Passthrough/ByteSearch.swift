extension Collection where Element == UInt8, Index == Int {
    /// Whether `run` occurs in the bytes as consecutive elements (a byte-level substring search: the
    /// hot paths look for markers without building Strings or calling Foundation).
    func containsRun(_ run: [UInt8]) -> Bool {
        firstIndex(ofRun: run) != nil
    }

    /// Where `run` first starts in the bytes.
    func firstIndex(ofRun run: [UInt8]) -> Int? {
        guard let first = run.first else { return startIndex }
        guard run.count <= count else { return nil }
        var index = startIndex
        let last = endIndex - run.count
        while index <= last {
            if self[index] == first, self[index..<index + run.count].elementsEqual(run) { return index }
            index += 1
        }
        return nil
    }
}
