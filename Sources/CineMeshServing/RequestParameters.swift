import Foundation
import Hummingbird

/// The query parameters and body fields several routes share (`n`, flags, years, the item
/// filter), each refused with a 400 naming it.
enum RequestParameters {
    /// The `n` parameter: 1 to 1000, default 10.
    static func count(_ text: String?) throws -> Int {
        guard let text else { return 10 }
        guard let n = Int(text), (1 ... 1000).contains(n) else {
            throw GatewayError(.badRequest, "bad-parameter", "n must be an integer from 1 to 1000, not '\(text)'")
        }
        return n
    }

    static func flag(_ text: String?, name: String) throws -> Bool? {
        guard let text else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw GatewayError(.badRequest, "bad-parameter", "\(name) must be true or false, not '\(text)'")
        }
    }

    static func year(_ text: String?, _ name: String) throws -> Int64? {
        guard let text else { return nil }
        guard let y = Int64(text), (0 ... 9999).contains(y) else {
            throw GatewayError(.badRequest, "bad-parameter", "\(name) must be a year, not '\(text)'")
        }
        return y
    }

    /// An empty `genre` or `country` means no filter; an unknown one is a 400.
    static func itemFilter(_ m: ServingModel, genre: String?, country: String?, yearFrom: Int64?, yearTo: Int64?) throws -> ItemFilter {
        let genre = genre?.isEmpty == true ? nil : genre, country = country?.isEmpty == true ? nil : country
        if let genre, m.genreMasks[genre] == nil {
            throw GatewayError(.badRequest, "unknown-genre", "no genre '\(genre)' (known: \(m.genreMasks.keys.sorted().joined(separator: ", ")))")
        }
        if let country, m.countryMasks[country] == nil {
            throw GatewayError(.badRequest, "unknown-country", "no country '\(country)' in the catalog")
        }
        if let yearFrom, let yearTo, yearFrom > yearTo {
            throw GatewayError(.badRequest, "bad-parameter", "year_from \(yearFrom) is after year_to \(yearTo)")
        }
        return ItemFilter(genre: genre, country: country, yearFrom: yearFrom, yearTo: yearTo)
    }

    /// The item filter of `request`'s query string (`genre`, `country`, `year_from`, `year_to`).
    static func itemFilter(_ m: ServingModel, of request: Request) throws -> ItemFilter {
        let q = request.uri.queryParameters
        return try itemFilter(m, genre: q.get("genre"), country: q.get("country"),
                       yearFrom: year(q.get("year_from"), "year_from"), yearTo: year(q.get("year_to"), "year_to"))
    }
}
