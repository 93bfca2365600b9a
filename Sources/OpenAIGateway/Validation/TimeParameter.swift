/// A point in time given in a query parameter (`from`, `to`): a UTC date (`2026-12-01`) or an RFC 3339
/// time (`2026-12-01T08:30:00Z`, `2026-12-01T08:30:00.250+01:00`), as milliseconds since 1970.
///
/// A `+` of an offset that arrived form-decoded as a space (`…T08:30:00 01:00`) is read as `+`.
enum TimeParameter {
    /// - Parameter endOfDay: a date alone means the end of that day (the start of the next), for `to`.
    static func milliseconds(_ text: String, endOfDay: Bool) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, let year = number(bytes, 0, 4), bytes[4] == dash, let month = number(bytes, 5, 2), bytes[7] == dash,
            let day = number(bytes, 8, 2), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        if bytes.count == 10 { return (days + (endOfDay ? 1 : 0)) * 86_400_000 }
        // 2026-12-01T08:30:00 then optional .fraction, then Z or ±HH:MM.
        guard bytes.count >= 20, [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
            let hour = number(bytes, 11, 2), bytes[13] == colon, let minute = number(bytes, 14, 2), bytes[16] == colon,
            let second = number(bytes, 17, 2), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fractionMs: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > start else { return nil }
            // Milliseconds: the first three digits (".5" is 500 ms); finer ones are dropped.
            var scale: Int64 = 100
            for byte in bytes[start..<min(index, start + 3)] {
                fractionMs += Int64(byte - UInt8(ascii: "0")) * scale
                scale /= 10
            }
        }
        guard index < bytes.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "):
            guard index + 6 == bytes.count, let hours = number(bytes, index + 1, 2), bytes[index + 3] == colon,
                let minutes = number(bytes, index + 4, 2), hours < 24, minutes < 60
            else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (bytes[index] == dash ? -1 : 1)
        default:
            return nil
        }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + fractionMs
    }

    private static let dash = UInt8(ascii: "-")
    private static let colon = UInt8(ascii: ":")

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        guard start + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[start..<start + count] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days_from_civil (proleptic Gregorian): days since 1970-01-01.
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
