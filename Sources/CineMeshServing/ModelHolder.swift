import CineMeshData
import CineMeshModel
import CineMeshStore
import Logging

/// The model the gateway serves now. Swapping is one reference assignment under a lock: a request
/// holds the model it started with until it ends, so a swap never fails or mixes a request.
public final class ModelHolder: @unchecked Sendable {
    private let lock = Lock()
    private var model: ServingModel?
    private var refused: Int?
    public private(set) var swaps = 0

    public init() {}

    public var current: ServingModel? { lock.withLock { model } }

    public func swap(to new: ServingModel) {
        lock.withLock {
            model = new
            swaps += 1
        }
    }

    /// Loads the newest version of `store` when it is newer than the current one. A damaged or
    /// unreadable file is refused with a log line and the current model keeps serving.
    public func refresh(from store: ModelStore, logger: Logger) {
        do {
            guard let newest = try store.latest(), newest.version > (current?.version ?? 0),
                  newest.version != lock.withLock({ refused }) else { return }
            let (record, file): (ModelRecord, ModelFile)
            do {
                (record, file) = try store.load(version: newest.version)
            } catch {
                lock.withLock { refused = newest.version }
                throw error
            }
            swap(to: ServingModel(version: record.version, file: file))
            logger.info("serving model", metadata: ["version": "\(record.version)", "algorithm": "\(file.metadata.algorithm)",
                                                    "dataset": "\(file.metadata.dataset)"])
        } catch {
            logger.error("refused a model; the current one keeps serving", metadata: ["error": "\(error)",
                                                                                      "serving": "\(current.map { String($0.version) } ?? "none")"])
        }
    }
}
