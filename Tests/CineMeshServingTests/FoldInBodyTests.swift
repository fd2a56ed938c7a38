import CineMeshData
@testable import CineMeshServing
import Foundation
import Testing

/// The fold-in route reads plain bodies with `StrictJSONScanner` and everything else with
/// JSONDecoder: whatever the scanner accepts must be exactly what JSONDecoder makes of it.
@Suite struct FoldInBodyTests {
    typealias Request = RecommendationController.FoldInRequest

    /// Optional whitespace, sometimes more than one character of it.
    func space(_ rng: inout SeededRandom) -> String {
        ["", "", " ", "\n  ", "\t", " \r\n "][rng.below(6)]
    }

    /// A JSON number: integers, fractions, exponents, signs, and now and then one out of Float's
    /// range or below its normal ones.
    func number(_ rng: inout SeededRandom) -> String {
        switch rng.below(9) {
        case 0: String(rng.below(6))
        case 1: String(format: "%.\(rng.below(9))f", Double(rng.below(500_000)) / 100_000)
        case 2: String(format: "%.\(1 + rng.below(20))g", rng.normal() * 3)
        case 3: "\(rng.below(50))e\(rng.below(3) == 0 ? "-" : rng.below(2) == 0 ? "+" : "")\(rng.below(3))"
        case 4: ["1e39", "-1e39", "1e-50", "1e-40", "0.0", "-0", "0e5", "3.4028235e38"][rng.below(8)]
        case 5: "-\(rng.below(5)).\(rng.below(1000))"
        default: String(Float(rng.below(1_000_000)) / 199_999)
        }
    }

    func string(_ rng: inout SeededRandom) -> String {
        switch rng.below(12) {
        case 0: "\"a\\\"b\""
        case 1: "\"\\u0041x\""
        case 2: "\"caf\u{E9}\""
        case 3: "\"\""
        default: "\"\(rng.below(100_000))\""
        }
    }

    func body(_ rng: inout SeededRandom) -> String {
        var ratings: [String] = []
        for _ in 0 ..< rng.below(5) {
            let item = rng.below(4) == 0 ? number(&rng) : string(&rng)
            var fields = ["\"item\"\(space(&rng)):\(space(&rng))\(item)", "\"rating\":\(space(&rng))\(number(&rng))"]
            if rng.below(2) == 0 { fields.reverse() }
            if rng.below(25) == 0 { fields.append("\"extra\": 1") }
            if rng.below(25) == 0 { fields.removeLast() }
            if rng.below(25) == 0 { fields.append(fields[0]) }
            ratings.append("{\(space(&rng))" + fields.joined(separator: ",\(space(&rng))") + "\(space(&rng))}")
        }
        var fields = ["\"ratings\":\(space(&rng))[" + ratings.joined(separator: ",\(space(&rng))") + "]"]
        let optional = [("n", { (r: inout SeededRandom) in r.below(5) == 0 ? "10.0" : String(r.below(2000) - 5) }),
                        ("genre", { (r: inout SeededRandom) in self.string(&r) }),
                        ("country", { (r: inout SeededRandom) in self.string(&r) }),
                        ("year_from", { (r: inout SeededRandom) in String(1900 + r.below(200)) }),
                        ("year_to", { (r: inout SeededRandom) in r.below(9) == 0 ? "99999999999999999999" : String(1900 + r.below(200)) })]
        for (key, value) in optional where rng.below(3) == 0 {
            fields.append("\"\(key)\":\(space(&rng))\(rng.below(4) == 0 ? "null" : value(&rng))")
        }
        if rng.below(20) == 0 { fields.append("\"unknown\": [1, 2]") }
        if rng.below(20) == 0 { fields.removeFirst() }
        if rng.below(20) == 0, let first = fields.first { fields.append(first) }
        fields.shuffle(using: &rng)
        return "\(space(&rng)){\(space(&rng))" + fields.joined(separator: "\(space(&rng)),\(space(&rng))") + "\(space(&rng))}\(space(&rng))"
    }

    /// A body with one byte dropped, doubled or replaced.
    func damaged(_ text: String, _ rng: inout SeededRandom) -> String {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return text }
        let at = rng.below(bytes.count)
        switch rng.below(3) {
        case 0: bytes.remove(at: at)
        case 1: bytes.insert(bytes[at], at: at)
        default: bytes[at] = Array("{}[]:,\"-.e0 n".utf8)[rng.below(13)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func whatTheScannerReadsIsWhatJSONDecoderReads() throws {
        var rng = SeededRandom(seed: 41)
        var plain = 0, fallBack = 0
        for trial in 0 ..< 6000 {
            var text = body(&rng)
            if trial % 3 == 2 { text = damaged(text, &rng) }
            let data = Data(text.utf8)
            let decoded = try? JSONDecoder().decode(Request.self, from: data)
            guard let fast = Request(plainJSON: data) else {
                fallBack += 1
                continue
            }
            plain += 1
            #expect(fast == decoded, "\(text)")
            #expect(fast.ratings.map(\.rating.bitPattern) == decoded?.ratings.map(\.rating.bitPattern), "\(text)")
        }
        // Both paths ran many times.
        #expect(plain > 1000 && fallBack > 1000, "plain \(plain), fall-back \(fallBack)")
    }

    @Test func itemIdsMayBeIntegersButNoOtherNumbers() throws {
        let text = #"{"ratings": [{"item": 50, "rating": 5}, {"rating": 4, "item": "7"}, {"item": -3, "rating": 1}]}"#
        let expected = Request(ratings: [.init(item: "50", rating: 5), .init(item: "7", rating: 4), .init(item: "-3", rating: 1)],
                               n: nil, genre: nil, country: nil, yearFrom: nil, yearTo: nil)
        #expect(Request(plainJSON: Data(text.utf8)) == expected)
        #expect(try RequestBody.parse(Request.self, Data(text.utf8)) == expected)
        let fraction = Data(#"{"ratings": [{"item": 1.5, "rating": 5}]}"#.utf8)
        #expect(Request(plainJSON: fraction) == nil)
        let error = try #require(throws: GatewayError.self) { try RequestBody.parse(Request.self, fraction) }
        #expect(error.status == .badRequest && error.code == "bad-body")
        #expect(error.message == "'ratings.Index 0.item': an item id is a string or an integer, not 1.5")
    }

    @Test func theBenchmarksBodyIsReadWithoutJSONDecoder() {
        let text = #"{"ratings": [{"item": "11465", "rating": 5}, {"item": "2596", "rating": 4.5}], "n": 10, "genre": null}"#
        #expect(Request(plainJSON: Data(text.utf8)) == Request(ratings: [.init(item: "11465", rating: 5), .init(item: "2596", rating: 4.5)],
                                                                n: 10, genre: nil, country: nil, yearFrom: nil, yearTo: nil))
    }
}
