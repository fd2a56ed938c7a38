/// A list as one task field: its elements' text, comma separated, empty for none (`rows=0,3,5`,
/// `tables=catalog,tags`). An element's text must not hold a comma.
struct TaskList<Element: LosslessStringConvertible & Equatable & Sendable>: Codable, Equatable, Sendable, ExpressibleByArrayLiteral {
    var values: [Element]

    init(_ values: [Element]) { self.values = values }
    init(arrayLiteral values: Element...) { self.values = values }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map { Element(String($0)) }
        guard !parts.contains(nil) else {
            throw TaskFieldError.malformed(decoder.codingPath.last?.stringValue ?? "", text, expected: "a comma-separated list of \(Element.self)")
        }
        values = parts.map { $0! }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values.map(\.description).joined(separator: ","))
    }
}
