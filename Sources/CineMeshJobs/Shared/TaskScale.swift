import CineMeshData

/// A rating scale as one task field: `min:max`, or `min:max:step` (`1.0:5.0:1.0`).
struct TaskScale: Codable, Equatable, Sendable {
    var scale: RatingScale

    init(_ scale: RatingScale) { self.scale = scale }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let scale = RatingScale(parsing: text) else {
            throw TaskFieldError.malformed(decoder.codingPath.last?.stringValue ?? "", text, expected: "a rating scale min:max[:step]")
        }
        self.scale = scale
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(([scale.min, scale.max] + (scale.step.map { [$0] } ?? [])).map { String($0) }.joined(separator: ":"))
    }
}
