import CineMeshCluster
import CineMeshModel
import CineMeshNumerics

/// Factor rows and biases that came back from workers as payload frames, copied into place.
enum FactorFrames {
    /// Copies a frame of factor rows and a frame of biases over `rows` of `matrix` and `bias`
    /// (false when a size is wrong).
    static func store(_ factors: Frame, _ biases: Frame, into matrix: inout FactorMatrix, _ bias: inout [Float], rows: Range<UInt32>) -> Bool {
        let lower = Int(rows.lowerBound), stride = matrix.stride
        return matrix.values.withUnsafeMutableBufferPointer { FloatFrames.copy(factors, to: $0.baseAddress! + lower * stride, count: rows.count * stride) }
            && bias.withUnsafeMutableBufferPointer { FloatFrames.copy(biases, to: $0.baseAddress! + lower, count: rows.count) }
    }

    /// The same over `rows` of the user (or item) side of `model`: one `inout` access to the
    /// model, whose parts are then disjoint.
    static func store(_ factors: Frame, _ biases: Frame, into model: inout BiasedFactorModel, users: Bool, rows: Range<UInt32>) -> Bool {
        users ? store(factors, biases, into: &model.users, &model.userBias, rows: rows)
              : store(factors, biases, into: &model.items, &model.itemBias, rows: rows)
    }
}
