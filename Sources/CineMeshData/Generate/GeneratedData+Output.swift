import Dispatch

extension GeneratedData {
    /// Name of the ground-truth file written beside generated data.
    public static let truthFileName = "truth.bin"

    /// Writes MovieLens-latest-style `ratings.csv` (userId,movieId,rating,timestamp) and `movies.csv`
    /// (movieId,title,genres,year,countries; RFC 4180 quoting) plus `truth.bin`, as one directory
    /// committed atomically. Rows are formatted in parallel chunks and written in order.
    public func writeCSV(to path: String, overwrite: Bool) throws {
        let tx = try DirectoryTransaction(target: path, overwrite: overwrite, marker: "ratings.csv")
        do {
            let file = try AtomicFile(path: tx.path("ratings.csv"))
            try file.write(Array("userId,movieId,rating,timestamp\n".utf8))
            let n = columns.count
            let rowsPerChunk = 1 << 20
            let chunks = (n + rowsPerChunk - 1) / rowsPerChunk
            let batch = 8
            let decimals = config.step > 0 && (config.step * 2).rounded() == config.step * 2 ? 1 : 3
            var first = 0
            while first < chunks {
                let count = min(batch, chunks - first)
                let formatted = CSVChunks(count: count)
                let base = first
                let cols = columns
                DispatchQueue.concurrentPerform(iterations: count) { j in
                    let lo = (base + j) * rowsPerChunk, hi = min(n, lo + rowsPerChunk)
                    formatted.set(j, Self.formatRows(cols, lo ..< hi, decimals: decimals))
                }
                for j in 0 ..< count { try file.write(formatted.get(j)) }
                first += count
            }
            try file.commit()
            try AtomicFile.write(moviesCSV(), to: tx.path("movies.csv"))
            try AtomicFile.write(truth.encoded(), to: tx.path(Self.truthFileName))
            try tx.commit()
        } catch {
            tx.abort()
            throw error
        }
    }

    static func formatRows(_ c: RatingColumns, _ range: Range<Int>, decimals: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count * 28)
        let scale = decimals == 1 ? 10.0 : 1000.0
        for k in range {
            appendInt(&out, Int64(c.users[k]) + 1)
            out.append(0x2C)
            appendInt(&out, Int64(c.items[k]) + 1)
            out.append(0x2C)
            let fixed = Int64((Double(c.ratings[k]) * scale).rounded())
            appendInt(&out, fixed / Int64(scale))
            out.append(0x2E)
            var frac = fixed % Int64(scale)
            var digits = decimals
            var place = Int64(scale) / 10
            while digits > 0 {
                out.append(0x30 + UInt8(frac / place))
                frac %= place
                place /= 10
                digits -= 1
            }
            out.append(0x2C)
            appendInt(&out, c.timestamps[k])
            out.append(0x0A)
        }
        return out
    }

    @inline(__always)
    static func appendInt(_ out: inout [UInt8], _ v: Int64) {
        if v < 0 { out.append(0x2D); appendInt(&out, -v); return }
        if v < 10 { out.append(0x30 + UInt8(v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = 0x30 + UInt8(x % 10); x /= 10; n += 1 }
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }

    /// `movies.csv` bytes.
    func moviesCSV() -> [UInt8] {
        var text = "movieId,title,genres,year,countries\n"
        let ids = catalog.strings("item")!, titles = catalog.strings("title")!, years = catalog.ints("year")!
        let genres = catalog.stringLists("genres")!, countries = catalog.stringLists("countries")!
        for r in 0 ..< catalog.rowCount {
            text += "\(ids[r]),\(Self.csvField(titles[r])),\(Self.csvField(genres[r].joined(separator: "|"))),\(years[r].map(String.init) ?? ""),\(Self.csvField(countries[r].joined(separator: "|")))\n"
        }
        return Array(text.utf8)
    }

    /// A CSV field, quoted (RFC 4180) when it holds a comma, quote or newline.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences("\"", "\"\"") + "\""
    }

    /// Builds a dataset directory straight from the generated columns (no CSV round trip),
    /// with the ground truth recorded as an extra file.
    public func writeDataset(to path: String, grid: GridShape, overwrite: Bool) throws -> DatasetManifest {
        var builder = DatasetBuilder()
        builder.grid = grid
        builder.scale = config.scale
        builder.name = FileSystem.basename(path)
        builder.sourceFormat = "generated"
        builder.catalog = catalog
        builder.extraFiles = [(role: "truth", file: Self.truthFileName, bytes: truth.encoded())]
        var cols = columns
        return try builder.build(&cols, at: path, overwrite: overwrite)
    }
}

/// Formatted chunks handed from the parallel formatters to the writer.
final class CSVChunks: @unchecked Sendable {
    private var parts: [[UInt8]]
    private let lock = Lock()
    init(count: Int) { parts = Array(repeating: [], count: count) }
    func set(_ i: Int, _ bytes: [UInt8]) { lock.withLock { parts[i] = bytes } }
    func get(_ i: Int) -> [UInt8] { lock.withLock { parts[i] } }
}
