@testable import CineMeshData
import Testing

@Suite struct DelimitedReaderTests {
    /// All records as strings, plus malformed messages, read with a given buffer size.
    func read(_ text: String, delimiter: String = ",", quoting: Bool = true, buffer: Int = 4 << 20) throws -> [String] {
        let dir = TempDir("reader")
        let path = dir.write("f.csv", text)
        let r = try DelimitedReader(path: path, delimiter: Array(delimiter.utf8), quoting: quoting, bufferSize: buffer)
        var out: [String] = []
        while true {
            switch try r.next() {
            case .endOfFile: return out
            case .malformed(let m): out.append("\(r.line)! \(m)")
            case .record: out.append("\(r.line): " + (0 ..< r.fieldCount).map { "[" + String(decoding: r.field($0), as: UTF8.self) + "]" }.joined())
            }
        }
    }

    let tricky = "id,title,cast\r\n1,\"Say \"\"Hi\"\", Bob\",\"A, B\"\n\n2,\"two\nlines\",\n3,,\"\"\n4,plain,last"

    @Test func rfc4180QuotingNewlinesAndCRLF() throws {
        let records = try read(tricky)
        #expect(records == [
            "1: [id][title][cast]",
            "2: [1][Say \"Hi\", Bob][A, B]",
            "4: [2][two\nlines][]",
            "6: [3][][]",
            "7: [4][plain][last]",
        ])
    }

    @Test func chunkBoundariesDoNotChangeTheResult() throws {
        // Like feeding a decoder one byte at a time: tiny buffers force every split point.
        let whole = try read(tricky)
        for size in [1, 2, 3, 5, 8, 13] {
            #expect(try read(tricky, buffer: size) == whole, "buffer \(size)")
        }
    }

    @Test func multiByteDelimiterAndByteOrderMark() throws {
        #expect(try read("\u{FEFF}1::Toy Story (1995)::Animation|Comedy\n2::Heat::Action", delimiter: "::", quoting: false) == [
            "1: [1][Toy Story (1995)][Animation|Comedy]",
            "2: [2][Heat][Action]",
        ])
        #expect(try read("a::b::c", delimiter: "::", quoting: false, buffer: 1) == ["1: [a][b][c]"])
    }

    @Test func unclosedQuoteAndTextAfterQuoteAreMalformed() throws {
        #expect(try read("1,\"ok\"\n2,\"bad\"x,3\n3,fine\n") == [
            "1: [1][ok]",
            "2! unexpected character after a closing quote in field 2",
            "3: [3][fine]",
        ])
        #expect(try read("1,a\n2,\"never closed\n3,b\n") == [
            "1: [1][a]",
            "2! quoted field opened on line 2 is never closed",
        ])
    }

    @Test func emptyBinaryMissingAndDirectoryAreClearErrors() {
        let dir = TempDir("reader-errors")
        let empty = dir.write("empty.csv", "")
        let binary = dir.write("bin.csv", [0x31, 0x2C, 0x00, 0x32])
        #expect(dataError { _ = try DelimitedReader(path: empty, delimiter: [0x2C], quoting: true) }?.description == "\(empty): empty file: expected delimited text")
        #expect(dataError { _ = try DelimitedReader(path: binary, delimiter: [0x2C], quoting: true) }?.description == "\(binary): binary file (NUL byte at offset 2): expected delimited text")
        #expect(dataError { _ = try DelimitedReader(path: dir.sub("nope.csv"), delimiter: [0x2C], quoting: true) }?.description == "\(dir.sub("nope.csv")): cannot read: No such file or directory")
        #expect(dataError { _ = try DelimitedReader(path: dir.path, delimiter: [0x2C], quoting: true) }?.description == "\(dir.path): is a directory, expected a file")
    }

    @Test func sourceChecksumCoversEveryByte() throws {
        let dir = TempDir("reader-sum")
        let text = "a,b\n1,2\n"
        let path = dir.write("f.csv", text)
        let r = try DelimitedReader(path: path, delimiter: [0x2C], quoting: true, bufferSize: 3)
        while try r.next() != .endOfFile {}
        #expect(r.hasher.finalize() == XXHash64.hash(Array(text.utf8)))
        #expect(r.bytesRead == UInt64(text.utf8.count))
    }
}

@Suite struct FieldParsingTests {
    func bytes<T>(_ s: String, _ f: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        var copy = s
        return copy.withUTF8 { f($0) }
    }

    @Test func decimals() {
        #expect(bytes("4", FieldParsing.decimal) == 4)
        #expect(bytes(" 3.5 ", FieldParsing.decimal) == 3.5)
        #expect(bytes(".5", FieldParsing.decimal) == 0.5)
        #expect(bytes("-1e3", FieldParsing.decimal) == -1000)
        #expect(bytes("0.1", FieldParsing.decimal) == 0.1)
        for a in 0 ... 9 {
            for b in 0 ... 9 {
                #expect(bytes("\(a).\(b)", FieldParsing.decimal) == Double("\(a).\(b)"), "\(a).\(b)")
            }
        }
        for bad in ["", "five", "4,0", "1.2.3", "nan", "inf", "-", ".", "x.5"] {
            #expect(bytes(bad, FieldParsing.decimal) == nil, "\(bad)")
        }
    }

    @Test func canonicalIds() {
        #expect(bytes("0", { FieldParsing.canonicalUnsigned($0) }) == 0)
        #expect(bytes("196", { FieldParsing.canonicalUnsigned($0) }) == 196)
        #expect(bytes("0114709", { FieldParsing.canonicalUnsigned($0) }) == nil)
        #expect(bytes("u1", { FieldParsing.canonicalUnsigned($0) }) == nil)
        #expect(ExternalId("0114709") == .text("0114709"))
        #expect(ExternalId("42") == .int(42))
        #expect(ExternalId.int(9) < .int(10) && ExternalId.int(99) < .text("a"))
    }

    @Test func isoDatesAreCalendarChecked() {
        #expect(bytes("1970-01-02", FieldParsing.isoDateTime) == 86_400)
        #expect(bytes("2005-09-06", FieldParsing.isoDateTime) == 1_125_964_800)
        #expect(bytes("2005-09-06T01:02:03Z", FieldParsing.isoDateTime) == Int64(1_125_968_523))
        #expect(bytes("2005-09-06 01:02", FieldParsing.isoDateTime) == Int64(1_125_968_520))
        #expect(bytes("2005-09-06T02:00:00+01:00", FieldParsing.isoDateTime) == Int64(1_125_968_400))
        #expect(bytes("2024-02-29", FieldParsing.isoDateTime) != nil)
        for bad in ["2023-02-29", "2005-13-06", "2005-00-10", "2005-9-6", "20050906", "2005-09-06T25:00"] {
            #expect(bytes(bad, FieldParsing.isoDateTime) == nil, "\(bad)")
        }
    }

    @Test func civilDaysRoundTrip() {
        for d in stride(from: Int64(-800_000), to: 800_000, by: 997) {
            let (y, m, day) = FieldParsing.civilFromDays(d)
            #expect(FieldParsing.daysFromCivil(year: y, month: m, day: day) == d)
        }
    }
}

@Suite struct SWARDigitTests {
    /// The padded (8-bytes-at-a-time) parsers agree with the scalar ones on every length and on
    /// non-digits at every position.
    @Test func paddedParsersAgreeWithScalarOnes() {
        var rng = SeededRandom(seed: 21)
        let alphabet = Array("0123456789".utf8) + Array("/:a -+.".utf8)
        for _ in 0 ..< 20_000 {
            let n = rng.below(20)
            var field = (0 ..< n).map { _ in rng.below(10) < 9 ? UInt8(0x30 + rng.below(10)) : alphabet[rng.below(alphabet.count)] }
            if n > 0 && rng.below(4) == 0 { field[0] = 0x2D }
            var padded = field + Array(repeating: UInt8(0x39), count: 8)
            padded.withUnsafeMutableBufferPointer { buf in
                let p = UnsafeBufferPointer(rebasing: buf[0 ..< n])
                #expect(FieldParsing.canonicalUnsigned(padded: p) == FieldParsing.canonicalUnsigned(p), "\(String(decoding: field, as: UTF8.self))")
                #expect(FieldParsing.integer(padded: p) == FieldParsing.integer(p), "\(String(decoding: field, as: UTF8.self))")
            }
        }
    }
}
