import CineMeshData
import CineMeshModel
import Foundation

/// The parameters of the content-based model, with their defaults: `k` neighbours per item (50),
/// S-stemming of words (on), and the field group weights (`ContentWeights`).
public struct ContentParameters: Codable, Sendable, Equatable {
    public var k = 50
    public var stem = true
    public var weights = ContentWeights()

    public init() {}
}

/// Builds the content-based model of a catalog: documents (`ContentDocuments`), TF-IDF vectors
/// (`TfidfMatrix`) and cosine top-K neighbour lists (`CosineNeighbors`), timing each step. It runs
/// in one process: a catalog of 10^4 titles takes well under a second.
public struct ContentTrainer: Sendable {
    public var parameters: ContentParameters

    /// What a fit made, and how long each step took (seconds).
    public struct Result: Sendable {
        public var documents: ContentDocuments
        public var matrix: TfidfMatrix
        public var neighbors: ItemNeighbors
        public var tokenizeSeconds: Double
        public var tfidfSeconds: Double
        public var neighborSeconds: Double
    }

    public init(parameters: ContentParameters = ContentParameters()) throws {
        guard parameters.k > 0 else { throw DataError(.usage, "k must be positive (got \(parameters.k))") }
        for f in ContentField.allCases where !(parameters.weights[f] >= 0 && parameters.weights[f].isFinite) {
            throw DataError(.usage, "the weight of \(f.rawValue) must be a finite number >= 0 (got \(parameters.weights[f]))")
        }
        self.parameters = parameters
    }

    /// Fits the model on `catalog` (and `tags` when the dataset has them); `file` names the catalog in errors.
    public func fit(catalog: ColumnTable, tags: ColumnTable?, file: String = "catalog") throws -> Result {
        let t0 = Date()
        let docs = try ContentDocuments.from(catalog: catalog, tags: tags, tokenizer: ContentTokenizer(stem: parameters.stem), file: file)
        let t1 = Date()
        let matrix = TfidfMatrix(docs, weights: parameters.weights)
        let t2 = Date()
        let neighbors = CosineNeighbors.topK(matrix.rows, k: parameters.k)
        let t3 = Date()
        return Result(documents: docs, matrix: matrix, neighbors: neighbors, tokenizeSeconds: t1.timeIntervalSince(t0),
                      tfidfSeconds: t2.timeIntervalSince(t1), neighborSeconds: t3.timeIntervalSince(t2))
    }

    /// The model file of a fit: the neighbour lists, the catalog's display columns and the parameters.
    public func modelFile(_ result: Result, catalog: ColumnTable, dataset: String, contentHash: String) throws -> ContentModelFile {
        let parameters = try JSON.decode(JSONValue.self, from: try JSON.encode(parameters), file: "content parameters")
        return ContentModelFile(metadata: .init(parameters: parameters, dataset: dataset, datasetContentHash: contentHash),
                                catalog: ContentModelFile.displayColumns(of: catalog), neighbors: result.neighbors)
    }
}
