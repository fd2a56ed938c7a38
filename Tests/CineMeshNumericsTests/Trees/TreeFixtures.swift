import CineMeshData
@testable import CineMeshNumerics

/// Rows for the tree tests: `width` features uniform in [0, 1) from a seeded stream, row-major,
/// and a label from `label` of each row's features.
struct TreeRows {
    let values: [Float]
    let labels: [UInt8]
    let width: Int
    var count: Int { labels.count }
    var all: [Int32] { (0 ..< Int32(count)).map { $0 } }

    init(count: Int, width: Int, seed: UInt64, label: ([Float], inout SeededRandom) -> Bool) {
        var random = SeededRandom(seed: seed)
        var values: [Float] = [], labels: [UInt8] = []
        for _ in 0 ..< count {
            let row = (0 ..< width).map { _ in Float(random.uniform()) }
            values += row
            labels.append(label(row, &random) ? 1 : 0)
        }
        self.values = values
        self.labels = labels
        self.width = width
    }

    init(values: [Float], labels: [UInt8], width: Int) {
        self.values = values
        self.labels = labels
        self.width = width
    }

    /// Rows whose label is XOR of the first two features' halves: no linear model separates
    /// them, a tree of depth 2 does.
    static func xor(count: Int, seed: UInt64) -> TreeRows {
        TreeRows(count: count, width: 3, seed: seed) { x, _ in (x[0] > 0.5) != (x[1] > 0.5) }
    }
}
