import NIOCore
import OpenAIClient
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    // MARK: Round trips

    @Test(arguments: [
        #"{"z":1,"a":[true,false,null],"m":{"b":"x","a":-2,"c":{}},"e":[]}"#,
        #"[1,-1,0,"",{"k":[[]]}]"#,
        #"{"type":"response.output_text.delta","sequence_number":4,"delta":"He said \"hi\"\\"}"#,
        #""plain""#, "true", "false", "null", "0", "-7",
    ])
    func compactTextRoundTripsExactly(_ text: String) throws {
        #expect(try JSONValue(parsing: text).jsonString == text)
    }

    @Test func objectKeysKeepTheirOrder() throws {
        let value = try JSONValue(parsing: #"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        var object = try #require(value.objectValue)
        object["a"] = "changed"  // an existing key keeps its place
        object["b"] = 4
        object["z"] = nil
        #expect(JSONValue.object(object).jsonString == #"{"a":"changed","m":3,"b":4}"#)
    }

    @Test func whitespaceAroundTokensIsAccepted() throws {
        let value = try JSONValue(parsing: " \t{\n\"a\" : [ 1 , 2 ] }\r\n")
        #expect(value.jsonString == #"{"a":[1,2]}"#)
    }

    @Test func int64IsExact() throws {
        #expect(try JSONValue(parsing: "9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .int(Int64.min))
        #expect(JSONValue.int(Int64.max).jsonString == "9223372036854775807")
        #expect(JSONValue.int(Int64.min).jsonString == "-9223372036854775808")
        // One past Int64 is still a number, kept as its text (a double would lose digits).
        #expect(try JSONValue(parsing: "9223372036854775808") == .number("9223372036854775808"))
        #expect(try JSONValue(parsing: "9223372036854775808").doubleValue == 9_223_372_036_854_775_808)
        #expect(try JSONValue(parsing: "12345678901234567").intValue == 12_345_678_901_234_567)
    }

    @Test func doubles() throws {
        #expect(try JSONValue(parsing: "1.5") == .double(1.5))
        #expect(try JSONValue(parsing: "-0.25e1") == .double(-2.5))
        #expect(try JSONValue(parsing: "1E+2") == .double(100))
        #expect(try JSONValue(parsing: "1e300").jsonString == "1e+300")
        // An integral double is written without a fraction.
        #expect(try JSONValue(parsing: "2.0").jsonString == "2")
        for number in [0.1, 1.0 / 3.0, -2.5e-7, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 123_456.789, 1e15, -1e21] {
            let text = JSONValue.double(number).jsonString
            #expect(try JSONValue(parsing: text).doubleValue == number, "\(number) -> \(text)")
        }
        #expect(JSONValue.double(.nan).jsonString == "null")
    }

    @Test func unicodeEscapes() throws {
        let value = try JSONValue(parsing: #""\u00e9\u20AC\ud83d\ude00 caf\u00E9""#)
        #expect(value == .string("é€😀 café"))
        // Serialised as UTF-8, not escaped.
        #expect(value.jsonString == "\"é€😀 café\"")
        #expect(try JSONValue(parsing: "\"é€😀\"") == .string("é€😀"))
        // A lone surrogate cannot be held by a Swift string: it becomes U+FFFD.
        #expect(try JSONValue(parsing: #""\ud800""#) == .string("\u{FFFD}"))
        #expect(try JSONValue(parsing: #""a\udc00b""#) == .string("a\u{FFFD}b"))
    }

    @Test func loneHighSurrogateBeforeAnotherEscape() throws {
        // JSON allows any \u escape; JavaScript's JSON.parse accepts this text. Expected: U+FFFD then "A".
        let value = try JSONValue(parsing: #""\ud800\u0041""#)
        #expect(value == .string("\u{FFFD}A"))
    }

    @Test func controlCharactersAreEscaped() throws {
        #expect(JSONValue.string("\u{01}\u{1F}").jsonString == #""\u0001\u001f""#)
        #expect(JSONValue.string("\n\t\r\u{08}\u{0C}\"\\/").jsonString == #""\n\t\r\b\f\"\\/""#)
        #expect(try JSONValue(parsing: #""\n\t\r\b\f\"\\\/""#) == .string("\n\t\r\u{08}\u{0C}\"\\/"))
        for code in 0..<0x20 {
            let string = String(Character(Unicode.Scalar(UInt8(code))))
            let text = JSONValue.string(string).jsonString
            #expect(try JSONValue(parsing: text) == .string(string), "U+\(code)")
        }
    }

    @Test func parsesByteBuffersAndByteArrays() throws {
        var buffer = ByteBuffer(string: "xx")
        buffer.moveReaderIndex(forwardBy: 2)
        buffer.writeString(#"{"a":[1]}"#)
        #expect(try JSONValue(parsing: buffer) == ["a": [1]])
        #expect(try JSONValue(parsing: Array(#"[null]"#.utf8)) == [nil])
    }

    // MARK: Malformed input

    @Test(arguments: [
        ("", 0),  // empty
        ("{", 1),  // truncated object
        (#"{"a":"#, 5),  // truncated value
        (#"{"a":1"#, 6),  // missing }
        (#"{"a":1,}"#, 7),  // trailing comma in object
        ("[1,]", 3),  // trailing comma in array
        ("[1 2]", 3),  // missing comma
        (#"{"a" 1}"#, 5),  // missing colon
        ("{1:2}", 1),  // unquoted key
        ("tru", 0),  // truncated literal
        ("trux", 0),  // bad literal
        ("nulL", 0),  // bad literal
        ("NaN", 0), ("Infinity", 0), ("+1", 0), (".5", 0),
        ("01", 1),  // leading zero (RFC 8259)
        ("[01]", 2), ("-01", 2),
        ("-", 1), ("1.", 2), ("1e", 2), ("1e+", 3),
        (#""abc"#, 4),  // unterminated string
        ("\"a\u{01}\"", 2),  // raw control character
        (#""\x""#, 2),  // bad escape
        (#""\u12""#, 3),  // short \u escape
        (#""\u12G4""#, 5),  // bad hex digit
        ("[1] x", 4),  // trailing data
        (#"{"a":1}}"#, 7),
    ])
    func malformedInputThrowsWithOffset(_ text: String, _ offset: Int) {
        #expect {
            _ = try JSONValue(parsing: text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && !error.reason.isEmpty
        }
    }

    @Test func deepNestingIsRejected() {
        let text = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONValue(parsing: fine) }
    }

    // MARK: Accessors

    @Test func accessors() throws {
        let value = try JSONValue(parsing: #"{"s":"x","i":3,"d":2.5,"di":4.0,"b":true,"n":null,"a":[1],"o":{}}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["i"]?.intValue == 3)
        #expect(value["d"]?.intValue == nil)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["di"]?.intValue == 4)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["o"]?.objectValue?.isEmpty == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?.typeName == "string")
    }
}
