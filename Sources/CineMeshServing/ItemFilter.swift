/// Which items a request allows: a genre, a country, a range of years (each optional).
public struct ItemFilter: Sendable, Equatable {
    public var genre: String?
    public var country: String?
    public var yearFrom: Int64?
    public var yearTo: Int64?

    public init(genre: String? = nil, country: String? = nil, yearFrom: Int64? = nil, yearTo: Int64? = nil) {
        self.genre = genre
        self.country = country
        self.yearFrom = yearFrom
        self.yearTo = yearTo
    }

    public var isEmpty: Bool { genre == nil && country == nil && yearFrom == nil && yearTo == nil }
}
