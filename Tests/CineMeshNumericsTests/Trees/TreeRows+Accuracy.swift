@testable import CineMeshNumerics

extension TreeRows {
    /// The share of `rows` whose label the model gets right at P >= 0.5.
    func accuracy(_ model: TreeEnsemble, rows: [Int32]) -> Double {
        let right = rows.filter { r in
            let p = model.probability(values[Int(r) * width ..< (Int(r) + 1) * width])
            return (p >= 0.5) == (labels[Int(r)] == 1)
        }
        return Double(right.count) / Double(rows.count)
    }
}
