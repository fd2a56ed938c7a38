import CineMeshData

extension ModelFile {
    /// Whether the model's scores are predicted ratings.
    public var predictsRatings: Bool { metadata.predictsRatings }

    /// A ranking score as it is reported to users. For a model of ratings (every algorithm but
    /// als-implicit) the score is a predicted rating: clipped to the dataset's rating scale, as
    /// Surprise's `predict` clips it. Lists are ranked by the unclipped score, so titles clipped to
    /// the top of the scale keep their order. An implicit model's scores are preferences, not
    /// ratings, and are reported as they are; so is NaN, which no scale can mend.
    public func reportedScore(_ score: Float) -> Float {
        if !predictsRatings { return score }
        guard !score.isNaN else { return score }
        return min(Float(metadata.ratingScale.max), max(Float(metadata.ratingScale.min), score))
    }
}

extension ModelFile.Metadata {
    /// Whether the model's scores are predicted ratings (every algorithm but als-implicit, whose
    /// scores are preferences).
    public var predictsRatings: Bool { algorithm != "als-implicit" }
}
