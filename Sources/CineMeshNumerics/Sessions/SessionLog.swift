import CineMeshData

/// Every user's rating timeline cut into sessions: a new session starts when a user's next rating
/// comes more than `gap` seconds after their previous one. Ratings of one user at the same second
/// are taken in item order, so the cut and the order inside a session are the same on every run.
///
/// Held as one contiguous item array with session offsets (CSR): session `s` is
/// `items[offsets[s] ..< offsets[s + 1]]`, by user, then time.
public struct SessionLog: Sendable, Equatable {
    /// The items of every session, one after the other.
    public private(set) var items: [UInt32] = []
    /// `sessionCount + 1` offsets into `items`.
    public private(set) var offsets: [Int] = [0]
    /// Each session's user and the time of its first rating.
    public private(set) var users: [UInt32] = []
    public private(set) var starts: [Int64] = []
    /// The number of items (dense indices run below it).
    public let itemCount: Int

    public var count: Int { users.count }

    /// Session `s`'s items in order.
    @inline(__always)
    public func session(_ s: Int) -> ArraySlice<UInt32> { items[offsets[s] ..< offsets[s + 1]] }

    /// Cuts `(user, item, time)` triples into sessions with `gap` seconds.
    public init(users u: [UInt32], items i: [UInt32], times t: [Int64], itemCount: Int, gap: Int64) {
        precondition(u.count == i.count && i.count == t.count)
        self.itemCount = itemCount
        let order = (0 ..< u.count).sorted { (a: Int, b: Int) -> Bool in
            if u[a] != u[b] { return u[a] < u[b] }
            if t[a] != t[b] { return t[a] < t[b] }
            return i[a] < i[b]
        }
        items.reserveCapacity(order.count)
        var last: (user: UInt32, time: Int64)?
        for r in order {
            if let l = last, l.user == u[r], t[r] - l.time <= gap {
                // Same session.
            } else {
                if last != nil { offsets.append(items.count) }
                users.append(u[r])
                starts.append(t[r])
            }
            items.append(i[r])
            last = (u[r], t[r])
        }
        if last != nil { offsets.append(items.count) }
    }

    /// Every rating of `dataset` with its time. A dataset without timestamps has no sessions.
    public init(dataset: Dataset, gap: Int64) throws {
        guard dataset.manifest.timestamps != nil else {
            throw DataError(.usage, file: dataset.path, "has no timestamps: sessions are cut from rating times")
        }
        var u: [UInt32] = [], i: [UInt32] = [], t: [Int64] = []
        u.reserveCapacity(dataset.manifest.ratings)
        i.reserveCapacity(dataset.manifest.ratings)
        t.reserveCapacity(dataset.manifest.ratings)
        for r in 0 ..< dataset.grid.rows {
            for c in 0 ..< dataset.grid.columns {
                let block = try dataset.block(row: r, column: c, includeTimestamps: true)
                u += block.users
                i += block.items
                t += block.timestamps
            }
        }
        self.init(users: u, items: i, times: t, itemCount: dataset.items.count, gap: gap)
    }

    /// The sessions that started before `cutoff` (training) and the rest (test), by start time:
    /// `testFraction` of the sessions, the latest ones, are held out, as a time-based split
    /// evaluates a model on what came after its training data.
    public func split(testFraction: Double) -> (train: [Int], test: [Int]) {
        let byStart = (0 ..< count).sorted { starts[$0] != starts[$1] ? starts[$0] < starts[$1] : $0 < $1 }
        let testCount = Int((Double(count) * testFraction).rounded())
        return (Array(byStart.dropLast(testCount)).sorted(), Array(byStart.suffix(testCount)).sorted())
    }
}
