import CineMeshData
import CineMeshModel

/// The trainers' parameters as a model file records them, each under the key version 1 files
/// have always used.
extension ModelFile.Metadata.Hyperparameters {
    public static func svd(_ parameters: SVDParameters) -> Self { recording("svd", parameters) }
    public static func als(_ parameters: ALSParameters) -> Self { recording("als", parameters) }
    public static func alsImplicit(_ parameters: ImplicitALSParameters) -> Self { recording("alsImplicit", parameters) }
    public static func baseline(_ trainer: BaselineTrainer) -> Self { recording("baseline", trainer) }
    public static func nmf(_ parameters: NMFParameters) -> Self { recording("nmf", parameters) }
    public static func knn(_ parameters: KNNParameters) -> Self { recording("knn", parameters) }

    /// Plain Codable structs of numbers always encode, so a failure here is a programming error.
    private static func recording<P: Encodable>(_ trainer: String, _ parameters: P) -> Self {
        do {
            return Self(trainer: trainer, values: try JSONValue(encoding: parameters))
        } catch {
            preconditionFailure("\(trainer) parameters do not encode: \(error)")
        }
    }
}
