import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Lays rating columns out as a dataset directory: dense ids, the R x C grid, sorted shards, id maps,
/// tables and the manifest, committed atomically.
///
/// Dense ids are *balanced*: users (and items) are ordered by rating count and dealt in snake order
/// into the R (C) ranges of the grid, so every row of blocks gets the same number of users and
/// nearly the same number of ratings even under power-law activity; within a range, indices follow
/// the external ids. Everything depends only on the input rows, never on their order in the file.
///
/// Memory: the input columns, plus 8 bytes per rating for the sort permutation and its scratch
/// (the scratch is released before shards are written), plus the columns of the blocks being
/// written (one per core).
public struct DatasetBuilder {
    public var grid: GridShape = .standard
    /// When the requested grid is larger than the data, shrink it instead of failing (used for the
    /// default grid; an explicit `--grid` that does not fit is an error).
    public var shrinkGridToFit = false
    public var duplicates: DuplicatePolicy = .fail
    public var scale: RatingScale = .oneToFive
    public var name = "dataset"
    public var sourceFormat = "unknown"
    public var sources: [DatasetManifest.SourceFile] = []
    public var skipped: [BadRowReason: Int] = [:]
    public var catalog: ColumnTable?
    public var userAttributes: ColumnTable?
    public var tags: ColumnTable?
    /// Further files to store and checksum (e.g. the generator's ground truth).
    public var extraFiles: [(role: String, file: String, bytes: [UInt8])] = []
    /// Where rating number `k` (0-based, in input order) came from, for duplicate errors.
    public var locate: (Int) -> (file: String, line: Int?) = { _ in ("", nil) }

    public init() {}

    /// Builds the dataset at `path`. Consumes `columns` (their storage is reused in place).
    /// `timings` receives the wall time of each step: `ids` (dense assignment), `order` (grid
    /// sort), `shards` (blocks gathered and written), `files` (id maps, tables, manifest, commit).
    @discardableResult
    public func build(_ columns: inout RatingColumns, at path: String, overwrite: Bool,
                      timings: inout [(name: String, seconds: Double)]) throws -> DatasetManifest {
        let tx = try DirectoryTransaction(target: path, overwrite: overwrite, marker: Dataset.manifestName)
        do {
            let manifest = try write(&columns, into: tx, timings: &timings)
            let t = monotonicSeconds()
            try tx.commit()
            timings[timings.count - 1].seconds += monotonicSeconds() - t
            return manifest
        } catch {
            tx.abort()
            throw error
        }
    }

    /// Builds without reporting timings.
    @discardableResult
    public func build(_ columns: inout RatingColumns, at path: String, overwrite: Bool) throws -> DatasetManifest {
        var ignored: [(name: String, seconds: Double)] = []
        return try build(&columns, at: path, overwrite: overwrite, timings: &ignored)
    }

    private func write(_ columns: inout RatingColumns, into tx: DirectoryTransaction,
                       timings: inout [(name: String, seconds: Double)]) throws -> DatasetManifest {
        var clock = monotonicSeconds()
        func lap(_ name: String) {
            let now = monotonicSeconds()
            timings.append((name, now - clock))
            clock = now
        }
        let n = columns.count
        let userCounts = Self.counts(columns.users, codes: columns.userKeys.count)
        let itemCounts = Self.counts(columns.items, codes: columns.itemKeys.count)
        let presentUsers = userCounts.lazy.filter { $0 > 0 }.count
        let presentItems = itemCounts.lazy.filter { $0 > 0 }.count
        var shape = grid
        if n == 0 {
            shape = GridShape(rows: 1, columns: 1)
        } else if shape.rows > presentUsers || shape.columns > presentItems {
            guard shrinkGridToFit else {
                throw DataError(.usage, "grid \(grid) needs at least \(grid.rows) users and \(grid.columns) items; the data has \(presentUsers) users and \(presentItems) items")
            }
            shape = GridShape(rows: min(shape.rows, presentUsers), columns: min(shape.columns, presentItems))
        }
        let (userMap, userIds, userBounds) = Self.assign(keys: columns.userKeys, counts: userCounts, groups: shape.rows)
        let (itemMap, itemIds, itemBounds) = Self.assign(keys: columns.itemKeys, counts: itemCounts, groups: shape.columns)
        let grid = Grid(userBoundaries: userBounds, itemBoundaries: itemBounds)

        // Codes -> dense indices, in place.
        columns.users.withUnsafeMutableBufferPointer { u in
            userMap.withUnsafeBufferPointer { m in for k in 0 ..< n { u[k] = m[Int(u[k])] } }
        }
        columns.items.withUnsafeMutableBufferPointer { i in
            itemMap.withUnsafeBufferPointer { m in for k in 0 ..< n { i[k] = m[Int(i[k])] } }
        }

        lap("ids")
        let (perm, blockStarts) = Self.gridOrder(columns, grid: grid)
        lap("order")
        try FileSystem.makeDirectories(tx.path("blocks"))
        let results = BlockResults(count: grid.blockCount)
        let input = columns
        let nc = grid.columns
        let lanes = min(grid.blockCount, ProcessInfo.activeCores)
        let policy = duplicates, scale = self.scale, staging = tx.staging
        // Blocks are independent: gather and write them on every core, collect in block order.
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for b in stride(from: lane, to: grid.blockCount, by: lanes) {
                let (r, c) = (b / nc, b % nc)
                results.set(b, Result {
                    let (block, stats) = Self.gather(input, perm[blockStarts[b] ..< blockStarts[b + 1]], row: r, column: c, grid: grid, policy: policy)
                    if policy == .fail && stats.firstDuplicate != nil { return BlockResults.Entry(stats: stats, entry: nil) }
                    let file = "blocks/block-r\(Self.pad4(r))-c\(Self.pad4(c)).shard"
                    let (bytes, sum) = try ShardFile.write(block, scale: scale, to: FileSystem.join(staging, file))
                    return BlockResults.Entry(stats: stats, entry: .init(row: r, column: c, file: file, ratings: block.count, bytes: bytes, xxh64: sum.hex16))
                })
            }
        }
        var blocks: [DatasetManifest.BlockEntry] = []
        var resolved = 0
        var tmin = Int64.max, tmax = Int64.min
        var earliest: (later: UInt32, first: UInt32)?
        for b in 0 ..< grid.blockCount {
            let e = try results.get(b).get()
            resolved += e.stats.resolved
            tmin = min(tmin, e.stats.minTime)
            tmax = max(tmax, e.stats.maxTime)
            if let d = e.stats.firstDuplicate, earliest.map({ d.later < $0.later }) ?? true { earliest = d }
            if let entry = e.entry { blocks.append(entry) }
        }
        if duplicates == .fail, let d = earliest {
            let first = locate(Int(d.first)), second = locate(Int(d.later))
            let firstAt = first.file == second.file ? "line \(first.line ?? 0)" : "\(first.file):\(first.line ?? 0)"
            throw DataError(.badRow, file: second.file, line: second.line, reason: .duplicate,
                            "duplicate rating for user \(userIds[Int(input.users[Int(d.later)])]) and item \(itemIds[Int(input.items[Int(d.later)])]) (first rated on \(firstAt)); use --duplicates first|last|mean to resolve")
        }

        lap("shards")
        var files: [DatasetManifest.FileEntry] = []
        func put(_ role: String, _ file: String, _ bytes: [UInt8]) throws {
            let sum = try AtomicFile.write(bytes, to: tx.path(file))
            files.append(.init(role: role, file: file, bytes: UInt64(bytes.count), xxh64: sum.hex16))
        }
        try put("users-idmap", "users.idmap", IdMap.encode(userIds))
        try put("items-idmap", "items.idmap", IdMap.encode(itemIds))
        if let catalog { try put("catalog", "catalog.table", catalog.encoded()) }
        if let userAttributes { try put("user-attributes", "users.table", userAttributes.encoded()) }
        if let tags { try put("tags", "tags.table", tags.encoded()) }
        for extra in extraFiles { try put(extra.role, extra.file, extra.bytes) }

        let total = blocks.reduce(0) { $0 + $1.ratings }
        let manifest = DatasetManifest(
            format: DatasetManifest.formatName, formatVersion: DatasetManifest.currentVersion, name: name,
            sourceFormat: sourceFormat, sources: sources, users: userIds.count, items: itemIds.count, ratings: total,
            ratingScale: scale, timestamps: columns.timestamps.isEmpty || total == 0 ? nil : .init(min: tmin, max: tmax),
            grid: grid, blocks: blocks, files: files,
            ingest: .init(skipped: Dictionary(uniqueKeysWithValues: skipped.map { ($0.key.rawValue, $0.value) }),
                          duplicatePolicy: duplicates.rawValue, duplicatesResolved: resolved),
            contentHash: DatasetManifest.contentHash(files: files, blocks: blocks))
        try AtomicFile.write(try JSON.encode(manifest), to: tx.path(Dataset.manifestName))
        lap("files")
        return manifest
    }

    /// `x` zero-padded to 4 digits, as block and version numbers are in file names.
    static func pad4(_ x: Int) -> String {
        let s = String(x)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    static func counts(_ codes: [UInt32], codes n: Int) -> [UInt32] {
        var counts = [UInt32](repeating: 0, count: n)
        counts.withUnsafeMutableBufferPointer { c in
            codes.withUnsafeBufferPointer { for x in $0 { c[Int(x)] += 1 } }
        }
        return counts
    }

    /// Balanced dense assignment (see the type's documentation). Codes with no ratings get
    /// `UInt32.max` and no dense index.
    static func assign(keys: [ExternalId], counts: [UInt32], groups requested: Int) -> ([UInt32], [ExternalId], [UInt32]) {
        let byKey = (0 ..< keys.count).sorted { keys[$0] < keys[$1] }
        var rank = [Int](repeating: 0, count: keys.count)
        for (r, code) in byKey.enumerated() { rank[code] = r }
        let present = byKey.filter { counts[$0] > 0 }
        let groups = max(1, min(requested, present.count))
        let byCount = present.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : rank[$0] < rank[$1] }
        var members = [[Int]](repeating: [], count: groups)
        for (p, code) in byCount.enumerated() {
            let lap = p / groups, slot = p % groups
            members[lap % 2 == 0 ? slot : groups - 1 - slot].append(code)
        }
        var map = [UInt32](repeating: .max, count: keys.count)
        var ids: [ExternalId] = []
        ids.reserveCapacity(present.count)
        var bounds: [UInt32] = [0]
        for var group in members {
            group.sort { rank[$0] < rank[$1] }
            for code in group {
                map[code] = UInt32(ids.count)
                ids.append(keys[code])
            }
            bounds.append(UInt32(ids.count))
        }
        return (map, ids, bounds)
    }

    /// The permutation that orders ratings by (block, user, item), ties in input order, and the
    /// start of each block in it.
    ///
    /// One counting pass over the input in order, keyed by (block row, block column, user) =
    /// `userBase[u] + column(i) * rowSize(u)` (consecutive because user ranges are contiguous),
    /// places every rating in its (block, user) bucket; then each bucket, one user's ratings in one
    /// block, is sorted by (item, input position). Input is usually grouped by user, so both steps
    /// read memory nearly sequentially. The bucket sorts run in parallel over block rows.
    static func gridOrder(_ c: RatingColumns, grid: Grid) -> ([UInt32], [Int]) {
        let n = c.count
        let nc = grid.columns
        let nUsers = Int(grid.userBoundaries.last!), nItems = Int(grid.itemBoundaries.last!)
        var userBase = [Int](repeating: 0, count: nUsers)
        var userRowSize = [Int](repeating: 0, count: nUsers)
        var colOfItem = [Int](repeating: 0, count: nItems)
        for r in 0 ..< grid.rows {
            let lo = Int(grid.userBoundaries[r]), hi = Int(grid.userBoundaries[r + 1])
            for u in lo ..< hi {
                userBase[u] = lo * nc + (u - lo)
                userRowSize[u] = hi - lo
            }
        }
        for col in 0 ..< nc {
            for i in Int(grid.itemBoundaries[col]) ..< Int(grid.itemBoundaries[col + 1]) { colOfItem[i] = col }
        }
        let buckets = nUsers * nc
        // Counting sort by (block, user) on every core: each lane counts and places a contiguous
        // slice of the input; lane order is input order, so the result is the same as one lane's.
        let lanes = n >= 1 << 20 ? ProcessInfo.activeCores : 1
        var perm = [UInt32](repeating: 0, count: n)
        var bucketStart = [Int](repeating: 0, count: buckets + 1)
        let keys = BucketKeys(users: c.users, items: c.items, userBase: userBase, userRowSize: userRowSize, colOfItem: colOfItem)
        let slice: @Sendable (Int) -> Range<Int> = { lane in n * lane / lanes ..< n * (lane + 1) / lanes }
        let laneCounts = LaneCounts(lanes: lanes, buckets: buckets)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            laneCounts.count(lane: lane, rows: slice(lane), keys: keys)
        }
        laneCounts.prefix(into: &bucketStart)
        perm.withUnsafeMutableBufferPointer { p in
            let out = UnsafeSendable(p)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                laneCounts.place(lane: lane, rows: slice(lane), keys: keys, into: out.value)
            }
        }
        // Sort each (block, user) bucket by (item, input position); rows of blocks in parallel.
        let starts = bucketStart
        c.items.withUnsafeBufferPointer { it in
            perm.withUnsafeMutableBufferPointer { p in
                let shared = SharedBuffers(perm: p, items: it)
                DispatchQueue.concurrentPerform(iterations: grid.rows) { r in
                    let lo = Int(grid.userBoundaries[r]), hi = Int(grid.userBoundaries[r + 1])
                    for b in lo * nc ..< hi * nc {
                        shared.sortBucket(starts[b] ..< starts[b + 1])
                    }
                }
            }
        }
        var blockStarts = [Int](repeating: n, count: grid.blockCount + 1)
        for r in 0 ..< grid.rows {
            let lo = Int(grid.userBoundaries[r]), size = Int(grid.userBoundaries[r + 1]) - lo
            for col in 0 ..< nc { blockStarts[r * nc + col] = starts[lo * nc + col * size] }
        }
        return (perm, blockStarts)
    }

    /// What gathering one block found besides its ratings.
    struct GatherStats {
        var resolved = 0
        var minTime = Int64.max
        var maxTime = Int64.min
        /// The duplicate whose later occurrence comes first in the input, as input positions.
        var firstDuplicate: (later: UInt32, first: UInt32)?
    }

    /// One block's ratings in (user, item) order, duplicates resolved by the policy.
    private static func gather(_ c: RatingColumns, _ segment: ArraySlice<UInt32>, row: Int, column: Int, grid: Grid,
                               policy: DuplicatePolicy) -> (RatingBlock, GatherStats) {
        var stats = GatherStats()
        var block = RatingBlock(row: row, column: column, userRange: grid.userRange(row: row), itemRange: grid.itemRange(column: column))
        let m = segment.count
        let hasTime = !c.timestamps.isEmpty
        block.users.reserveCapacity(m)
        block.items.reserveCapacity(m)
        block.ratings.reserveCapacity(m)
        if hasTime { block.timestamps.reserveCapacity(m) }
        c.users.withUnsafeBufferPointer { users in
            c.items.withUnsafeBufferPointer { items in
                var j = segment.startIndex
                while j < segment.endIndex {
                    let k = Int(segment[j])
                    var end = j + 1
                    while end < segment.endIndex, users[Int(segment[end])] == users[k], items[Int(segment[end])] == items[k] { end += 1 }
                    var rating = c.ratings[k]
                    var time = hasTime ? c.timestamps[k] : 0
                    if end - j > 1 {
                        stats.resolved += end - j - 1
                        let later = segment[j + 1]
                        if stats.firstDuplicate.map({ later < $0.later }) ?? true { stats.firstDuplicate = (later, segment[j]) }
                        switch policy {
                        case .fail, .first: break
                        case .last:
                            let l = Int(segment[end - 1])
                            rating = c.ratings[l]
                            if hasTime { time = c.timestamps[l] }
                        case .mean:
                            var sum = 0.0
                            for q in j ..< end {
                                let x = Int(segment[q])
                                sum += Double(c.ratings[x])
                                if hasTime { time = max(time, c.timestamps[x]) }
                            }
                            rating = Float(sum / Double(end - j))
                        }
                    }
                    block.users.append(users[k])
                    block.items.append(items[k])
                    block.ratings.append(rating)
                    if hasTime {
                        block.timestamps.append(time)
                        stats.minTime = min(stats.minTime, time)
                        stats.maxTime = max(stats.maxTime, time)
                    }
                    j = end
                }
            }
        }
        return (block, stats)
    }
}

/// Per-block results handed from the writer threads back in block order.
final class BlockResults: @unchecked Sendable {
    struct Entry {
        var stats: DatasetBuilder.GatherStats
        var entry: DatasetManifest.BlockEntry?
    }

    private var results: [Result<Entry, Error>?]
    private let lock = Lock()

    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<Entry, Error>) { lock.withLock { results[i] = r } }
    func get(_ i: Int) -> Result<Entry, Error> { lock.withLock { results[i]! } }
}

extension ProcessInfo {
    /// Cores to spread independent work over.
    static var activeCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// The permutation and item column seen by the bucket-sorting threads; each thread touches only
/// its own buckets, and the buffers outlive the (synchronous) parallel loop.
struct SharedBuffers: @unchecked Sendable {
    let perm: UnsafeMutableBufferPointer<UInt32>
    let items: UnsafeBufferPointer<UInt32>

    @inline(__always)
    private func sortKey(_ position: UInt32) -> UInt64 {
        UInt64(items[Int(position)]) << 32 | UInt64(position)
    }

    /// Orders one bucket by (item, input position): insertion sort when small, else the standard sort.
    @inline(__always)
    func sortBucket(_ range: Range<Int>) {
        let m = range.count
        if m < 2 { return }
        let p = perm.baseAddress!
        if m <= 16 {
            for x in range.lowerBound + 1 ..< range.upperBound {
                let v = p[x]
                let key = sortKey(v)
                var y = x
                while y > range.lowerBound {
                    let w = p[y - 1]
                    if sortKey(w) <= key { break }
                    p[y] = w
                    y -= 1
                }
                p[y] = v
            }
        } else {
            var bucket = UnsafeMutableBufferPointer(rebasing: perm[range])
            bucket.sort { sortKey($0) < sortKey($1) }
        }
    }
}

/// The (block, user) bucket of every rating, for the grid sort.
struct BucketKeys: Sendable {
    let users: [UInt32]
    let items: [UInt32]
    let userBase: [Int]
    let userRowSize: [Int]
    let colOfItem: [Int]

    @inline(__always)
    func key(_ k: Int) -> Int {
        let u = Int(users[k])
        return userBase[u] + colOfItem[Int(items[k])] * userRowSize[u]
    }
}

/// Per-lane bucket counts of the parallel counting sort; each lane writes only its own row.
final class LaneCounts: @unchecked Sendable {
    private var counts: [[Int]]
    private let buckets: Int

    init(lanes: Int, buckets: Int) {
        self.buckets = buckets
        counts = Array(repeating: [Int](repeating: 0, count: buckets), count: lanes)
    }

    func count(lane: Int, rows: Range<Int>, keys: BucketKeys) {
        counts[lane].withUnsafeMutableBufferPointer { c in
            for k in rows { c[keys.key(k)] += 1 }
        }
    }

    /// Bucket starts for all lanes together, and each lane's own start within every bucket.
    func prefix(into starts: inout [Int]) {
        var total = 0
        for b in 0 ..< buckets {
            starts[b] = total
            for lane in counts.indices {
                let n = counts[lane][b]
                counts[lane][b] = total
                total += n
            }
        }
        starts[buckets] = total
    }

    func place(lane: Int, rows: Range<Int>, keys: BucketKeys, into perm: UnsafeMutableBufferPointer<UInt32>) {
        counts[lane].withUnsafeMutableBufferPointer { next in
            for k in rows {
                let b = keys.key(k)
                perm[next[b]] = UInt32(k)
                next[b] += 1
            }
        }
    }
}

