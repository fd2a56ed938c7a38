/// The rows of a block after its joins and unnesting, as positions into the sources: row `k`
/// is row `sourceRows[s]`'s `k`th entry of source `s` (`-1`: NULL, from an outer join) and
/// element `elementRows[u][k]` of unnested list `u`. A scan starts as `.identity` (the block's
/// own rows in order), so a plain scan gathers nothing.
struct RowSet: Sendable {
    enum Positions: Sendable {
        case identity
        /// A source not joined yet.
        case absent
        case rows([Int32])
    }

    var count: Int
    var sourceRows: [Positions]
    var elementRows: [[Int32]]

    /// Rows `0 ..< count` of source `source`, the others not joined yet.
    static func identity(count: Int, source: Int, sources: Int) -> RowSet {
        var rows = [Positions](repeating: .absent, count: sources)
        rows[source] = .identity
        return RowSet(count: count, sourceRows: rows, elementRows: [])
    }

    /// The row of source `s` behind row `k` (-1: NULL).
    @inline(__always)
    func row(of s: Int, _ k: Int) -> Int {
        switch sourceRows[s] {
        case .identity: return k
        case .absent: return -1
        case .rows(let r): return Int(r[k])
        }
    }

    /// The rows at `picks` (-1: a row that is NULL in every source), in that order.
    func picking(_ picks: [Int32]) -> RowSet {
        func pick(_ v: [Int32]) -> [Int32] {
            var out = [Int32](repeating: -1, count: picks.count)
            v.withUnsafeBufferPointer { src in
                for (k, p) in picks.enumerated() where p >= 0 { out[k] = src[Int(p)] }
            }
            return out
        }
        return RowSet(count: picks.count,
                      sourceRows: sourceRows.map {
                          switch $0 {
                          case .identity: return .rows(picks)
                          case .absent: return .absent
                          case .rows(let r): return .rows(pick(r))
                          }
                      },
                      elementRows: elementRows.map(pick))
    }
}
