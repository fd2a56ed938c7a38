import CineMeshData

extension ModelFile {
    /// The model re-indexed to other id maps (a newer version of its dataset, say): the rows of
    /// the ids it knows, matched by external id, and zero rows (no bias, no factors) for the ids
    /// it does not. A zero row predicts exactly what held-out scoring predicts for an unknown user
    /// or item (the mean plus what the model knows), so scoring the aligned model on a held-out
    /// set of the other id maps scores this model as it is.
    public func model(alignedTo users: IdMap, items: IdMap) -> BiasedFactorModel {
        let k = model.users.factors
        var out = BiasedFactorModel(globalMean: model.globalMean, users: FactorMatrix(rows: users.count, factors: k),
                                    items: FactorMatrix(rows: items.count, factors: k))
        let stride = model.users.stride
        for (to, id) in users.ids.enumerated() {
            guard let from = self.users.index(of: id).map(Int.init) else { continue }
            out.userBias[to] = model.userBias[from]
            out.users.values.replaceSubrange(to * stride ..< (to + 1) * stride, with: model.users.values[from * stride ..< (from + 1) * stride])
        }
        for (to, id) in items.ids.enumerated() {
            guard let from = self.items.index(of: id).map(Int.init) else { continue }
            out.itemBias[to] = model.itemBias[from]
            out.items.values.replaceSubrange(to * stride ..< (to + 1) * stride, with: model.items.values[from * stride ..< (from + 1) * stride])
        }
        return out
    }
}
