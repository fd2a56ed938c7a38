/// A column holding a list of text values per row, stored flat: row `r`'s elements are
/// `codes[offsets[r] ..< offsets[r + 1]]`, each a code into `dictionary`.
public struct ListColumn: Sendable {
    public let offsets: [Int32]
    public let codes: [UInt32]
    public let dictionary: [String]
    /// Each row's list joined by `|` (NULL when empty): the value of the list column by its own
    /// name, built once with the table.
    let joined: Vector

    public init(_ lists: [[String]]) {
        var offsets: [Int32] = [0]
        var codes: [UInt32] = []
        var dictionary: [String] = []
        var lookup: [String: UInt32] = [:]
        offsets.reserveCapacity(lists.count + 1)
        for list in lists {
            for s in list where !s.isEmpty {
                let code = lookup[s] ?? {
                    let c = UInt32(dictionary.count)
                    dictionary.append(s)
                    lookup[s] = c
                    return c
                }()
                codes.append(code)
            }
            offsets.append(Int32(codes.count))
        }
        self.offsets = offsets
        self.codes = codes
        self.dictionary = dictionary
        joined = Self.join(offsets: offsets, codes: codes, dictionary: dictionary)
    }

    /// The elements as a coded text vector, one entry per element (index into `codes`).
    var elements: Vector { .coded(codes, dictionary: .text(dictionary, validity: nil)) }

    private static func join(offsets: [Int32], codes: [UInt32], dictionary: [String]) -> Vector {
        let rows = offsets.count - 1
        var out = [String](repeating: "", count: rows)
        var valid = [Bool](repeating: true, count: rows)
        for r in 0 ..< rows {
            let range = Int(offsets[r]) ..< Int(offsets[r + 1])
            if range.isEmpty { valid[r] = false } else { out[r] = range.map { dictionary[Int(codes[$0])] }.joined(separator: "|") }
        }
        return .text(out, validity: valid.allSatisfy { $0 } ? nil : valid)
    }
}
