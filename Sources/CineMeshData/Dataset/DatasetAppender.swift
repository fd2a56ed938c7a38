/// Adds ratings (and catalog rows) to an existing dataset directory as its next version, in place,
/// without rewriting what did not change (docs/FORMATS.md, "Dataset versions").
///
/// Existing users and items keep their dense indices; new ones get the next indices, ordered by
/// external id, so they extend the grid's last row of blocks (users) and last column (items). The
/// grid's shape stays. Only the shards that gained ratings, or whose index range grew (the last
/// row or column, when there are new users or items), are written, under names carrying the
/// version (`blocks/block-rRRRR-cCCCC-vNNNN.shard`); every other block entry, with its file,
/// is the previous version's. Id maps and the catalog are written anew (versioned names) only
/// when they grew. Nothing an earlier version names is ever modified, so a reader that opened the
/// dataset before the append keeps reading that version whole; the append commits by replacing
/// `manifest.json` atomically after the new version's manifest is kept in `versions/`.
///
/// Ratings of a (user, item) pair the dataset already holds are duplicates, the stored rating
/// counting as the earlier occurrence: the policy decides as in an ingest of the concatenated
/// files (`last` makes a re-rating replace the stored one; under `mean` the stored rating counts
/// as one rating).
public struct DatasetAppender {
    public var duplicates: DuplicatePolicy = .fail
    /// The new input files, recorded in the manifest's `appends`.
    public var sources: [DatasetManifest.SourceFile] = []
    public var skipped: [BadRowReason: Int] = [:]
    /// Catalog rows of the new files: rows of items the dataset's catalog lacks are added.
    public var catalog: ColumnTable?
    /// Where new rating number `k` (0-based, in input order) came from, for duplicate errors.
    public var locate: (Int) -> (file: String, line: Int?) = { _ in ("", nil) }

    public init() {}

    /// Appends `columns` to the dataset at `path` and returns the new version's manifest. On any
    /// error the dataset is left as it was. One append runs at a time on a dataset (a lock file).
    @discardableResult
    public func append(_ columns: RatingColumns, to path: String) throws -> DatasetManifest {
        let lock = try FileLock(path: FileSystem.join(path, ".append.lock"), holder: "another append to this dataset")
        defer { lock.unlock() }
        let dataset = try Dataset(path: path)
        var written: [String] = []
        do {
            return try write(columns, onto: dataset, written: &written)
        } catch {
            for file in written { FileSystem.removeTree(file) }
            throw error
        }
    }

    private func write(_ columns: RatingColumns, onto dataset: Dataset, written: inout [String]) throws -> DatasetManifest {
        let old = dataset.manifest
        let version = old.datasetVersion + 1
        let n = columns.count
        let hasTime = !columns.timestamps.isEmpty
        let input = locate(0).file
        if n > 0 {
            guard old.ratings > 0 else {
                throw DataError(.usage, file: dataset.path, "holds no ratings (a catalog-only dataset); ingest the ratings as a dataset of their own")
            }
            guard (old.timestamps != nil) == hasTime else {
                throw DataError(.usage, file: input, hasTime ? "has timestamps; the dataset's ratings have none" : "has no timestamps; the dataset's ratings have them")
            }
        }
        let (userDense, newUsers) = Self.extend(columns.userKeys, columns.users, dataset.users)
        let (itemDense, newItems) = Self.extend(columns.itemKeys, columns.items, dataset.items)
        var ub = old.grid.userBoundaries, ib = old.grid.itemBoundaries
        ub[ub.count - 1] = UInt32(old.users + newUsers.count)
        ib[ib.count - 1] = UInt32(old.items + newItems.count)
        let grid = Grid(userBoundaries: ub, itemBoundaries: ib)
        func externalUser(_ u: UInt32) -> ExternalId { Int(u) < old.users ? dataset.users.ids[Int(u)] : newUsers[Int(u) - old.users] }
        func externalItem(_ i: UInt32) -> ExternalId { Int(i) < old.items ? dataset.items.ids[Int(i)] : newItems[Int(i) - old.items] }

        var fresh = [[Int]](repeating: [], count: grid.blockCount)
        for k in 0 ..< n {
            let u = userDense[Int(columns.users[k])], i = itemDense[Int(columns.items[k])]
            fresh[grid.row(ofUser: u) * grid.columns + grid.column(ofItem: i)].append(k)
        }
        try FileSystem.makeDirectories(FileSystem.join(dataset.path, "blocks"))
        var blocks = old.blocks
        var resolved = 0, blocksWritten = 0
        var tmin = old.timestamps?.min ?? .max, tmax = old.timestamps?.max ?? .min
        var earliest: (later: Int, first: Int?, user: UInt32, item: UInt32)?
        for r in 0 ..< grid.rows {
            for c in 0 ..< grid.columns {
                let b = r * grid.columns + c
                let grew = (r == grid.rows - 1 && !newUsers.isEmpty) || (c == grid.columns - 1 && !newItems.isEmpty)
                guard grew || !fresh[b].isEmpty else { continue }
                let stored = try dataset.block(row: r, column: c, includeTimestamps: hasTime)
                let merged = Self.merge(stored, new: fresh[b], columns, users: userDense, items: itemDense, grid: grid, policy: duplicates)
                resolved += merged.resolved
                if duplicates == .fail, let d = merged.duplicate, earliest.map({ d.later < $0.later }) ?? true { earliest = d }
                if earliest != nil { continue }
                if hasTime, let lo = merged.block.timestamps.min(), let hi = merged.block.timestamps.max() {
                    tmin = min(tmin, lo)
                    tmax = max(tmax, hi)
                }
                let file = "blocks/block-r\(DatasetBuilder.pad4(r))-c\(DatasetBuilder.pad4(c))-v\(DatasetBuilder.pad4(version)).shard"
                let target = FileSystem.join(dataset.path, file)
                written.append(target)
                let (bytes, sum) = try ShardFile.write(merged.block, scale: old.ratingScale, to: target)
                blocks[b] = .init(row: r, column: c, file: file, ratings: merged.block.count, bytes: bytes, xxh64: sum.hex16)
                blocksWritten += 1
            }
        }
        if let d = earliest {
            let at = locate(d.later)
            let first = d.first.map { k -> String in
                let f = locate(k)
                return f.file == at.file ? "line \(f.line ?? 0)" : "\(f.file):\(f.line ?? 0)"
            }
            throw DataError(.badRow, file: at.file, line: at.line, reason: .duplicate,
                            "duplicate rating for user \(externalUser(d.user)) and item \(externalItem(d.item)) (\(first.map { "first rated on \($0)" } ?? "already in the dataset")); use --duplicates first|last|mean to resolve")
        }

        var files = old.files
        func put(_ role: String, _ name: String, _ bytes: [UInt8]) throws {
            let file = "\(name)-v\(DatasetBuilder.pad4(version)).\(role == "catalog" ? "table" : "idmap")"
            let target = FileSystem.join(dataset.path, file)
            written.append(target)
            let entry = DatasetManifest.FileEntry(role: role, file: file, bytes: UInt64(bytes.count), xxh64: try AtomicFile.write(bytes, to: target).hex16)
            if let at = files.firstIndex(where: { $0.role == role }) { files[at] = entry } else { files.append(entry) }
        }
        if !newUsers.isEmpty { try put("users-idmap", "users", IdMap.encode(dataset.users.ids + newUsers)) }
        if !newItems.isEmpty { try put("items-idmap", "items", IdMap.encode(dataset.items.ids + newItems)) }
        let catalog = try mergedCatalog(dataset, file: input)
        if let catalog { try put("catalog", "catalog", catalog.encoded()) }
        guard n > 0 || catalog != nil else {
            throw DataError(.usage, file: input, "adds no ratings and no catalog rows; nothing to append")
        }

        var m = old
        m.version = version
        m.users = old.users + newUsers.count
        m.items = old.items + newItems.count
        m.ratings = blocks.reduce(0) { $0 + $1.ratings }
        m.timestamps = hasTime || old.timestamps != nil ? .init(min: tmin, max: tmax) : nil
        m.grid = grid
        m.blocks = blocks
        m.files = files
        m.appends = (old.appends ?? []) + [.init(version: version, sources: sources, ratings: m.ratings - old.ratings, users: newUsers.count,
                                                 items: newItems.count, blocksWritten: blocksWritten, duplicatePolicy: duplicates.rawValue,
                                                 duplicatesResolved: resolved,
                                                 skipped: Dictionary(uniqueKeysWithValues: skipped.map { ($0.key.rawValue, $0.value) }))]
        m.contentHash = DatasetManifest.contentHash(files: files, blocks: blocks)

        // The previous version's manifest is kept as it was read; then the new one, and last the
        // atomic replacement of manifest.json, which is the commit.
        let manifestPath = FileSystem.join(dataset.path, Dataset.manifestName)
        try FileSystem.makeDirectories(FileSystem.join(dataset.path, "versions"))
        let previous = FileSystem.join(dataset.path, DatasetManifest.versionPath(old.datasetVersion))
        if !FileSystem.exists(previous) { try AtomicFile.write(try JSON.encode(old), to: previous) }
        let encoded = try JSON.encode(m)
        let kept = FileSystem.join(dataset.path, DatasetManifest.versionPath(version))
        written.append(kept)
        try AtomicFile.write(encoded, to: kept)
        try AtomicFile.write(encoded, to: manifestPath)
        return m
    }

    /// The dataset's catalog with the new catalog's rows of items it lacks (the first row of each
    /// new item), or nil when there is nothing to add.
    private func mergedCatalog(_ dataset: Dataset, file: String) throws -> ColumnTable? {
        guard let catalog else { return nil }
        guard let newKeys = catalog.strings("item") else { throw DataError(.usage, file: file, "the catalog has no item column") }
        var seen = Set(dataset.catalog?.strings("item") ?? [])
        let keep = newKeys.map { seen.insert($0).inserted }
        guard keep.contains(true) else { return nil }
        let added = catalog.rows(where: keep)
        return try dataset.catalog?.appending(added, file: file) ?? added
    }

    /// Dense indices of the codes that have ratings: the id map's, or for ids it lacks the next
    /// indices in external-id order; and those new ids in that order.
    static func extend(_ keys: [ExternalId], _ codes: [UInt32], _ map: IdMap) -> (dense: [UInt32], added: [ExternalId]) {
        var used = [Bool](repeating: false, count: keys.count)
        for code in codes { used[Int(code)] = true }
        var dense = [UInt32](repeating: .max, count: keys.count)
        var fresh: [Int] = []
        for (code, key) in keys.enumerated() where used[code] {
            if let i = map.index(of: key) { dense[code] = i } else { fresh.append(code) }
        }
        fresh.sort { keys[$0] < keys[$1] }
        for (k, code) in fresh.enumerated() { dense[code] = UInt32(map.count + k) }
        return (dense, fresh.map { keys[$0] })
    }

    /// A block's stored ratings merged with new ones, in (user, item) order, duplicates resolved
    /// by the policy with the stored rating first.
    struct Merged {
        var block: RatingBlock
        var resolved = 0
        /// The duplicate whose later occurrence comes first in the input: new rating positions,
        /// `first` nil when the earlier occurrence is the stored rating.
        var duplicate: (later: Int, first: Int?, user: UInt32, item: UInt32)?
    }

    static func merge(_ stored: RatingBlock, new: [Int], _ c: RatingColumns, users: [UInt32], items: [UInt32], grid: Grid,
                      policy: DuplicatePolicy) -> Merged {
        let hasTime = !c.timestamps.isEmpty
        // Stored ratings are positions 0 ..< stored.count, new ones follow in input order.
        let m = stored.count
        func user(_ p: Int) -> UInt32 { p < m ? stored.users[p] : users[Int(c.users[new[p - m]])] }
        func item(_ p: Int) -> UInt32 { p < m ? stored.items[p] : items[Int(c.items[new[p - m]])] }
        func rating(_ p: Int) -> Float { p < m ? stored.ratings[p] : c.ratings[new[p - m]] }
        func time(_ p: Int) -> Int64 { p < m ? stored.timestamps[p] : c.timestamps[new[p - m]] }
        let order = (0 ..< m + new.count).map { (key: UInt64(user($0)) << 32 | UInt64(item($0)), at: $0) }.sorted { ($0.key, $0.at) < ($1.key, $1.at) }
        var out = Merged(block: RatingBlock(row: stored.row, column: stored.column, userRange: grid.userRange(row: stored.row),
                                            itemRange: grid.itemRange(column: stored.column)))
        out.block.users.reserveCapacity(order.count)
        out.block.items.reserveCapacity(order.count)
        out.block.ratings.reserveCapacity(order.count)
        var j = 0
        while j < order.count {
            var end = j + 1
            while end < order.count, order[end].key == order[j].key { end += 1 }
            let p = order[j].at
            var r = rating(p)
            var t = hasTime ? time(p) : 0
            if end - j > 1 {
                out.resolved += end - j - 1
                let later = new[order[j + 1].at - m]
                if out.duplicate.map({ later < $0.later }) ?? true {
                    out.duplicate = (later, p < m ? nil : new[p - m], user(p), item(p))
                }
                switch policy {
                case .fail, .first: break
                case .last:
                    r = rating(order[end - 1].at)
                    if hasTime { t = time(order[end - 1].at) }
                case .mean:
                    var sum = 0.0
                    for q in j ..< end {
                        sum += Double(rating(order[q].at))
                        if hasTime { t = max(t, time(order[q].at)) }
                    }
                    r = Float(sum / Double(end - j))
                }
            }
            out.block.users.append(user(p))
            out.block.items.append(item(p))
            out.block.ratings.append(r)
            if hasTime { out.block.timestamps.append(t) }
            j = end
        }
        return out
    }
}
