import CineMeshData
import CineMeshModel
import CineMeshStore
import Logging

/// The model of one name the gateway serves now. Swapping is one reference assignment under a
/// lock: a request holds the model it started with until it ends, so a swap never fails or mixes
/// a request. A holder serves the versions of one model name only (the one given, or else the
/// first one it loads), so it never swaps to another dataset's or another recommender's model.
public final class ModelHolder: @unchecked Sendable {
    private let lock = Lock()
    private var model: ServingModel?
    private var refused: Int?
    private var pinned: String?
    public private(set) var swaps = 0

    /// A holder of the model named `name`, or (nil) of the first model it loads.
    public init(name: String? = nil) { pinned = name }

    public var current: ServingModel? { lock.withLock { model } }

    /// The model name served: the one given, or the first model's; nil before any.
    public var name: String? { lock.withLock { pinned } }

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
            guard let newest = try store.latest(name: name), newest.version > (current?.version ?? 0),
                  newest.version != lock.withLock({ refused }) else { return }
            let (record, file): (ModelRecord, ModelFile)
            do {
                (record, file) = try store.load(version: newest.version)
            } catch {
                lock.withLock { refused = newest.version }
                throw error
            }
            let first = lock.withLock { () -> Bool in
                defer { pinned = record.name }
                return pinned == nil
            }
            swap(to: ServingModel(version: record.version, name: record.name, file: file))
            logger.info("serving model", metadata: ["name": "\(record.name)", "version": "\(record.version)",
                                                    "algorithm": "\(file.metadata.algorithm)", "dataset": "\(file.metadata.dataset)"])
            if first { logger.info("following model \(record.name) (the newest; gateway --model NAME chooses)") }
        } catch {
            logger.error("refused a model; the current one keeps serving", metadata: ["error": "\(error)",
                                                                                      "serving": "\(current.map { String($0.version) } ?? "none")"])
        }
    }
}
