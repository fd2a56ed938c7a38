import CineMeshData
import CineMeshNumerics
import Foundation

/// A held-out RMSE computed on a background queue from a model snapshot, so a training job's
/// loop can plan the next epoch meanwhile; read once, waiting if it is not done.
final class HeldOutScoring: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var rmse: Double?
    private var seconds = 0.0
    private var finished = false

    init(_ evaluation: EvaluationSet, model: BiasedFactorModel, scale: RatingScale) {
        guard evaluation.count > 0 else {
            finished = true
            done.signal()
            return
        }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let started = MonotonicClock.nanoseconds()
            let value = evaluation.errors(of: model, scale: scale).rmse
            lock.withLock {
                rmse = value
                seconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
                finished = true
            }
            done.signal()
        }
    }

    var isDone: Bool { lock.withLock { finished } }

    /// The RMSE (nil without held-out ratings) and the seconds it took.
    func result() -> (rmse: Double?, seconds: Double) {
        done.wait()
        done.signal()
        return lock.withLock { (rmse, seconds) }
    }
}
