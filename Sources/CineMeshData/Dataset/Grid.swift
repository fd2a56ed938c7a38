/// The R x C partition of the rating matrix: users are cut into R contiguous ranges of dense
/// indices and items into C. Block (r, c) holds the ratings of users in range r on items in range c.
/// The grid is fixed by the dataset, never by how many workers run: it is what stratified SGD and
/// blocked ALS schedule over, and why models are identical on any number of workers.
public struct Grid: Codable, Sendable, Equatable {
    /// R + 1 ascending user indices: row r holds users `userBoundaries[r] ..< userBoundaries[r+1]`.
    public let userBoundaries: [UInt32]
    /// C + 1 ascending item indices.
    public let itemBoundaries: [UInt32]

    public init(userBoundaries: [UInt32], itemBoundaries: [UInt32]) {
        self.userBoundaries = userBoundaries
        self.itemBoundaries = itemBoundaries
    }

    public var rows: Int { userBoundaries.count - 1 }
    public var columns: Int { itemBoundaries.count - 1 }
    public var blockCount: Int { rows * columns }

    public func userRange(row r: Int) -> Range<UInt32> { userBoundaries[r] ..< userBoundaries[r + 1] }
    public func itemRange(column c: Int) -> Range<UInt32> { itemBoundaries[c] ..< itemBoundaries[c + 1] }

    /// Row of the block holding user `u`.
    public func row(ofUser u: UInt32) -> Int { Self.bucket(u, userBoundaries) }
    /// Column of the block holding item `i`.
    public func column(ofItem i: UInt32) -> Int { Self.bucket(i, itemBoundaries) }

    private static func bucket(_ x: UInt32, _ b: [UInt32]) -> Int {
        var lo = 0, hi = b.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if b[mid] <= x { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Whether the boundaries are well formed for `users` x `items`.
    public func isValid(users: Int, items: Int) -> Bool {
        func ok(_ b: [UInt32], _ n: Int) -> Bool {
            b.count >= 2 && b.first == 0 && Int(b.last!) == n && zip(b, b.dropFirst()).allSatisfy { $0 <= $1 }
        }
        return ok(userBoundaries, users) && ok(itemBoundaries, items)
    }
}

/// Requested grid shape, `RxC`.
public struct GridShape: Sendable, Equatable, CustomStringConvertible {
    public var rows: Int
    public var columns: Int
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    /// Parses `4x4` (or `4`, meaning 4x4).
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x").map { Int(String($0)) }
        if parts.count == 1, let n = parts[0], n > 0 { self.init(rows: n, columns: n); return }
        guard parts.count == 2, let r = parts[0], let c = parts[1], r > 0, c > 0, r <= 4096, c <= 4096 else { return nil }
        self.init(rows: r, columns: c)
    }

    public var description: String { "\(rows)x\(columns)" }
    public static let standard = GridShape(rows: 4, columns: 4)
}
