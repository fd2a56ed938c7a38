import CineMeshData
import Foundation

extension RecommendationController.FoldInRequest.Rating {
    enum CodingKeys: String, CodingKey { case item, rating }

    /// An item id as a string or as an integer (written in decimal); any other number is refused
    /// with a message saying why.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let number = try? c.decode(Int64.self, forKey: .item) {
            item = String(number)
        } else if let number = try? c.decode(Double.self, forKey: .item) {
            throw DecodingError.dataCorruptedError(forKey: .item, in: c, debugDescription: "an item id is a string or an integer, not \(number)")
        } else {
            item = try c.decode(String.self, forKey: .item)
        }
        rating = try c.decode(Float.self, forKey: .rating)
    }
}

extension RecommendationController.FoldInRequest {
    /// The body read by `StrictJSONScanner`, without JSONDecoder's cost (a tenth of the fold-in
    /// route's time): nil for anything but the plainest form of a valid body (escapes, unknown or
    /// repeated keys, a missing field, numbers out of range), which then goes to `JSONDecoder`
    /// for its value or its error.
    init?(plainJSON body: Data) {
        guard let request = body.withUnsafeBytes({ Self.read(StrictJSONScanner($0)) }) else { return nil }
        self = request
    }

    private static func read(_ scanner: StrictJSONScanner) -> Self? {
        var s = scanner
        var ratings: [Rating]?, n: Int?, genre: String?, country: String?, yearFrom: Int64?, yearTo: Int64?
        let keys = ["ratings", "n", "genre", "country", "year_from", "year_to"]
        var seen = 0
        guard s.consume(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard let key = s.string(), let k = keys.firstIndex(of: key), seen & (1 << k) == 0, s.consume(UInt8(ascii: ":"))
            else { return nil }
            seen |= 1 << k
            if k > 0, s.consumeNull() { continue }
            switch k {
            case 0:
                guard let list = readRatings(&s) else { return nil }
                ratings = list
            case 1:
                guard let value = s.integer(), let count = Int(exactly: value) else { return nil }
                n = count
            case 2: guard let value = s.string() else { return nil }; genre = value
            case 3: guard let value = s.string() else { return nil }; country = value
            case 4: guard let value = s.integer() else { return nil }; yearFrom = value
            default: guard let value = s.integer() else { return nil }; yearTo = value
            }
        } while s.consume(UInt8(ascii: ","))
        guard s.consume(UInt8(ascii: "}")), s.atEnd(), let ratings else { return nil }
        return Self(ratings: ratings, n: n, genre: genre, country: country, yearFrom: yearFrom, yearTo: yearTo)
    }

    /// `[{"item": "..." or integer, "rating": number}, ...]`, keys in either order.
    private static func readRatings(_ s: inout StrictJSONScanner) -> [Rating]? {
        guard s.consume(UInt8(ascii: "[")) else { return nil }
        var list: [Rating] = []
        if s.consume(UInt8(ascii: "]")) { return list }
        repeat {
            guard s.consume(UInt8(ascii: "{")) else { return nil }
            var item: String?, rating: Float?
            repeat {
                guard let key = s.string(), s.consume(UInt8(ascii: ":")) else { return nil }
                switch key {
                case "item" where item == nil:
                    var text = s
                    if let value = text.string() {
                        s = text
                        item = value
                    } else {
                        guard let value = s.integer() else { return nil }
                        item = String(value)
                    }
                case "rating" where rating == nil: guard let value = s.float() else { return nil }; rating = value
                default: return nil
                }
            } while s.consume(UInt8(ascii: ","))
            guard s.consume(UInt8(ascii: "}")), let item, let rating else { return nil }
            list.append(Rating(item: item, rating: rating))
        } while s.consume(UInt8(ascii: ","))
        return s.consume(UInt8(ascii: "]")) ? list : nil
    }
}
