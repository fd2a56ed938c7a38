import CineMeshData
import CineMeshNumerics
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A held-out RMSE computed on a thread of its own from a model snapshot, so a training job's
/// loop can plan the next epoch meanwhile; read once, waiting if it is not done. The thread runs
/// at the lowest priority (nice 19; on Linux a thread's nice value is its own), so on a box the
/// coordinator shares with workers the scoring takes the CPU time they leave, not theirs.
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
        Thread { [self] in
            #if canImport(Glibc)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            #endif
            let started = MonotonicClock.nanoseconds()
            let value = evaluation.errors(of: model, scale: scale).rmse
            lock.withLock {
                rmse = value
                seconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
                finished = true
            }
            done.signal()
        }.start()
    }

    var isDone: Bool { lock.withLock { finished } }

    /// The RMSE (nil without held-out ratings) and the seconds it took.
    func result() -> (rmse: Double?, seconds: Double) {
        done.wait()
        done.signal()
        return lock.withLock { (rmse, seconds) }
    }
}
