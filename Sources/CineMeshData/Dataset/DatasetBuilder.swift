/// Lays rating columns out as a dataset directory: dense ids, the R x C grid, sorted shards, id maps,
/// tables and the manifest, committed atomically.
///
/// Dense ids are *balanced*: users (and items) are ordered by rating count and dealt in snake order
/// into the R (C) ranges of the grid, so every row of blocks gets the same number of users and
/// nearly the same number of ratings even under power-law activity; within a range, indices follow
/// the external ids. Everything depends only on the input rows, never on their order in the file.
///
/// Memory: the input columns, plus 8 bytes per rating for the sort permutation and its scratch
/// (released before shards are written), plus one block's columns at a time.
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
    @discardableResult
    public func build(_ columns: inout RatingColumns, at path: String, overwrite: Bool) throws -> DatasetManifest {
        let tx = try DirectoryTransaction(target: path, overwrite: overwrite, marker: Dataset.manifestName)
        do {
            let manifest = try write(&columns, into: tx)
            try tx.commit()
            return manifest
        } catch {
            tx.abort()
            throw error
        }
    }

    private func write(_ columns: inout RatingColumns, into tx: DirectoryTransaction) throws -> DatasetManifest {
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

        let rowOfUser = Self.bucketTable(userBounds)
        let colOfItem = Self.bucketTable(itemBounds)
        let nc = grid.columns
        let (perm, blockStarts) = Self.gridOrder(columns, rowOfUser: rowOfUser, colOfItem: colOfItem, columns: nc, blocks: grid.blockCount)
        if duplicates == .fail { try failOnDuplicate(columns, perm, userIds: userIds, itemIds: itemIds) }

        try FileSystem.makeDirectories(tx.path("blocks"))
        var blocks: [DatasetManifest.BlockEntry] = []
        var resolved = 0
        var tmin = Int64.max, tmax = Int64.min
        for b in 0 ..< grid.blockCount {
            let (r, c) = (b / nc, b % nc)
            var block = gather(columns, perm[blockStarts[b] ..< blockStarts[b + 1]], row: r, column: c, grid: grid, resolved: &resolved)
            if let lo = block.timestamps.min(), let hi = block.timestamps.max() { tmin = min(tmin, lo); tmax = max(tmax, hi) }
            let file = "blocks/block-r\(Self.pad4(r))-c\(Self.pad4(c)).shard"
            let (bytes, sum) = try ShardFile.write(block, scale: scale, to: tx.path(file))
            blocks.append(.init(row: r, column: c, file: file, ratings: block.count, bytes: bytes, xxh64: sum.hex16))
            block = RatingBlock(row: r, column: c, userRange: 0 ..< 0, itemRange: 0 ..< 0)
        }

        var files: [DatasetManifest.FileEntry] = []
        func put(_ role: String, _ file: String, _ bytes: [UInt8]) throws {
            let sum = try AtomicFile.write(bytes, to: tx.path(file))
            files.append(.init(role: role, file: file, bytes: UInt64(bytes.count), xxh64: sum.hex16))
        }
        try put("users-idmap", "users.idmap", IdMap(ids: userIds).encoded())
        try put("items-idmap", "items.idmap", IdMap(ids: itemIds).encoded())
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
        return manifest
    }

    private static func pad4(_ x: Int) -> String {
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

    /// Block number of every dense index, for O(1) lookups in the sort.
    static func bucketTable(_ bounds: [UInt32]) -> [UInt16] {
        var t = [UInt16](repeating: 0, count: Int(bounds.last ?? 0))
        for g in 0 ..< bounds.count - 1 {
            for x in bounds[g] ..< bounds[g + 1] { t[Int(x)] = UInt16(g) }
        }
        return t
    }

    /// The permutation that orders ratings by (block, user, item), stable (ties keep file order),
    /// by three counting-sort passes; and the start of each block in it.
    static func gridOrder(_ c: RatingColumns, rowOfUser: [UInt16], colOfItem: [UInt16], columns nc: Int, blocks: Int) -> ([UInt32], [Int]) {
        let n = c.count
        var perm = [UInt32](unsafeUninitializedCapacity: n) { b, k in
            for i in 0 ..< n { b[i] = UInt32(i) }
            k = n
        }
        var scratch = [UInt32](repeating: 0, count: n)
        let users = c.users, items = c.items
        items.withUnsafeBufferPointer { it in
            countingPass(&perm, &scratch, buckets: max(1, colOfItem.count)) { Int(it[Int($0)]) }
        }
        users.withUnsafeBufferPointer { us in
            countingPass(&perm, &scratch, buckets: max(1, rowOfUser.count)) { Int(us[Int($0)]) }
        }
        var starts = [Int](repeating: 0, count: blocks + 1)
        users.withUnsafeBufferPointer { us in
            items.withUnsafeBufferPointer { it in
                rowOfUser.withUnsafeBufferPointer { ru in
                    colOfItem.withUnsafeBufferPointer { ci in
                        let key = { (k: UInt32) -> Int in Int(ru[Int(us[Int(k)])]) * nc + Int(ci[Int(it[Int(k)])]) }
                        countingPass(&perm, &scratch, buckets: blocks, key)
                        for k in 0 ..< n { starts[key(perm[k]) + 1] += 1 }
                    }
                }
            }
        }
        for b in 0 ..< blocks { starts[b + 1] += starts[b] }
        return (perm, starts)
    }

    @inline(__always)
    private static func countingPass(_ perm: inout [UInt32], _ scratch: inout [UInt32], buckets: Int, _ key: (UInt32) -> Int) {
        var offsets = [Int](repeating: 0, count: buckets + 1)
        perm.withUnsafeBufferPointer { p in
            scratch.withUnsafeMutableBufferPointer { s in
                offsets.withUnsafeMutableBufferPointer { o in
                    for x in p { o[key(x) + 1] += 1 }
                    for b in 0 ..< buckets { o[b + 1] += o[b] }
                    for x in p {
                        let k = key(x)
                        s[o[k]] = x
                        o[k] += 1
                    }
                }
            }
        }
        swap(&perm, &scratch)
    }

    private func failOnDuplicate(_ c: RatingColumns, _ perm: [UInt32], userIds: [ExternalId], itemIds: [ExternalId]) throws {
        guard perm.count > 1 else { return }
        for k in 1 ..< perm.count {
            let a = Int(perm[k - 1]), b = Int(perm[k])
            if c.users[a] == c.users[b] && c.items[a] == c.items[b] {
                let first = locate(a), second = locate(b)
                let firstAt = first.file == second.file ? "line \(first.line ?? 0)" : "\(first.file):\(first.line ?? 0)"
                throw DataError(.badRow, file: second.file, line: second.line, reason: .duplicate,
                                "duplicate rating for user \(userIds[Int(c.users[a])]) and item \(itemIds[Int(c.items[a])]) (first rated on \(firstAt)); use --duplicates first|last|mean to resolve")
            }
        }
    }

    /// One block's ratings in (user, item) order, duplicates resolved by the policy.
    private func gather(_ c: RatingColumns, _ segment: ArraySlice<UInt32>, row: Int, column: Int, grid: Grid, resolved: inout Int) -> RatingBlock {
        var block = RatingBlock(row: row, column: column, userRange: grid.userRange(row: row), itemRange: grid.itemRange(column: column))
        let m = segment.count
        let hasTime = !c.timestamps.isEmpty
        block.users.reserveCapacity(m)
        block.items.reserveCapacity(m)
        block.ratings.reserveCapacity(m)
        if hasTime { block.timestamps.reserveCapacity(m) }
        var j = segment.startIndex
        while j < segment.endIndex {
            let k = Int(segment[j])
            var end = j + 1
            while end < segment.endIndex, c.users[Int(segment[end])] == c.users[k], c.items[Int(segment[end])] == c.items[k] { end += 1 }
            var rating = c.ratings[k]
            var time = hasTime ? c.timestamps[k] : 0
            if end - j > 1 {
                resolved += end - j - 1
                switch duplicates {
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
            block.users.append(c.users[k])
            block.items.append(c.items[k])
            block.ratings.append(rating)
            if hasTime { block.timestamps.append(time) }
            j = end
        }
        return block
    }
}
