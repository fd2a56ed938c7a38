import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation

/// The `train` job for `als` and `als-implicit`: blocked ALS. Each iteration is two stages. In the
/// users stage, one task per grid row solves that row's user factors from the row's shards (in
/// column order) against the fixed item factors, which the task carries as raw float frames; the
/// items stage does the same per grid column against the user factors. For implicit ALS the task
/// also carries the fixed side's Gram matrix Y^T Y (computed here, once per half-iteration, by
/// the same function the one-process trainer uses) and the rows' current values (CG starts from
/// them).
///
/// A row's solution depends only on the fixed side and the row's own ratings in a fixed order, so
/// the merged model is the same bits as `ALSTrainer` / `ImplicitALSTrainer` in one process and the
/// same for any number of workers; a retried task recomputes from the same inputs. Workers keep no
/// state between tasks beyond their caches. Every `checkpointEvery` iterations, and after the
/// last, the model and what the iterations reported make a checkpoint (`ALSCheckpoint`) a
/// restarted coordinator resumes the job from: an iteration depends only on the model before it.
public final class ALSTrainingJob: JobDriver {


    private let spec: TrainSpec
    private let dataset: Dataset
    private let context: JobContext
    private let train: [RatingBlock]
    private let evaluation: EvaluationSet
    private let byUser: RatingsByRow
    private var model: BiasedFactorModel
    private var stopper: EarlyStopping
    private var iteration = 0
    private var phase = AlternatingPhase.starting
    private var running: [Int] = []
    private var iterationStarted = MonotonicClock.milliseconds()
    private var reports: [EpochReport] = []
    private var stoppedEarly = false
    /// The newest checkpoint (nil before the first).
    private var saved: ALSCheckpoint?

    private var implicit: Bool { spec.algorithm == .alsImplicit }
    private var iterations: Int { implicit ? spec.implicit.iterations : spec.als.iterations }

    init(spec: TrainSpec, dataset: Dataset, context: JobContext) throws {
        self.spec = spec
        self.dataset = dataset
        self.context = context
        (train, evaluation) = try spec.trainingData(dataset, context: context)
        let m = dataset.manifest
        if spec.algorithm == .alsImplicit {
            let p = spec.implicit
            byUser = RatingsByRow(ImplicitALSTrainer(parameters: p).positives(train), rows: m.users, byUser: true)
            model = BiasedFactorModel(globalMean: 0,
                                      users: .uniform(rows: m.users, factors: p.factors, scale: p.initScale, seed: p.seed, salt: 1),
                                      items: .uniform(rows: m.items, factors: p.factors, scale: p.initScale, seed: p.seed, salt: 2))
            stopper = EarlyStopping(patience: nil)
        } else {
            byUser = RatingsByRow(train, rows: m.users, byUser: true)
            model = ALSTrainer.initialModel(spec.als, byUser: byUser, users: m.users, items: m.items)
            stopper = EarlyStopping(patience: spec.als.earlyStoppingPatience)
        }
    }

    /// The job resumed after a coordinator restart from a checkpoint's state (`latestCheckpoint`):
    /// it goes on with the iteration after the checkpoint's, or finishes if there is none.
    convenience init(spec: TrainSpec, dataset: Dataset, context: JobContext, resumingFrom state: [UInt8]) throws {
        try self.init(spec: spec, dataset: dataset, context: context)
        let c = try ALSCheckpoint(decoding: state, initial: model, patience: stopper.patience, total: iterations)
        model = c.model
        iteration = c.iterations
        reports = c.reports
        stopper = c.stopper
        stoppedEarly = c.stoppedEarly
        saved = c
    }

    public func nextStage() throws -> StagePlan? {
        switch phase {
        case .starting:
            guard iteration < iterations && !stoppedEarly else { return nil }
            iterationStarted = MonotonicClock.milliseconds()
            phase = .users
            return plan(users: true)
        case .users:
            phase = .items
            return plan(users: false)
        case .items:
            let done = try endIteration()
            if done || iteration % spec.checkpointEvery == 0 {
                saved = ALSCheckpoint(iterations: iteration, model: model, reports: reports, stopper: stopper, stoppedEarly: stoppedEarly)
            }
            if done { return nil }
            iterationStarted = MonotonicClock.milliseconds()
            phase = .users
            return plan(users: true)
        }
    }

    /// Closes the iteration: metrics and early stopping (explicit), divergence check (implicit).
    private func endIteration() throws -> Bool {
        iteration += 1
        let seconds = Double(MonotonicClock.milliseconds() - iterationStarted) / 1000
        if implicit {
            guard model.users.values.allSatisfy(\.isFinite), model.items.values.allSatisfy(\.isFinite) else {
                throw JobError("implicit ALS diverged in iteration \(iteration); raise the regularization")
            }
            // Preferences, not ratings: no RMSE (0 here, shown as "-").
            reports.append(EpochReport(epoch: iteration, trainRMSE: 0, testRMSE: nil, seconds: seconds, evaluationSeconds: 0))
            return iteration >= iterations
        }
        let evaluated = MonotonicClock.milliseconds()
        let testRMSE = evaluation.count > 0 ? evaluation.errors(of: model, scale: dataset.manifest.ratingScale).rmse : nil
        reports.append(EpochReport(epoch: iteration, trainRMSE: ALSTrainer.rmse(model, byUser), testRMSE: testRMSE, seconds: seconds,
                                   evaluationSeconds: Double(MonotonicClock.milliseconds() - evaluated) / 1000))
        if stopper.shouldStop(after: model, testRMSE: testRMSE) {
            stoppedEarly = true
            return true
        }
        return iteration >= iterations
    }

    /// One task per grid row (users) or column (items), each with every shard of that row or
    /// column and the whole fixed side.
    private func plan(users: Bool) -> StagePlan {
        let grid = dataset.grid, m = dataset.manifest
        let fixed = users ? model.items : model.users
        let stride = fixed.stride
        var common: [Frame] = [FloatFrames.frame(fixed.values[...])]
        let factors: Int, reg: Double, solver: ALSRowsTask.Solver
        if implicit {
            let p = spec.implicit
            common.append(FloatFrames.frame(ImplicitALSTrainer.gram(fixed)[...]))
            (factors, reg) = (p.factors, p.regularization)
            solver = .implicit(alpha: p.alpha, positiveThreshold: p.positiveThreshold, cgSteps: p.cgSteps)
        } else {
            let p = spec.als
            common.append(FloatFrames.frame((users ? model.itemBias : model.userBias)[...]))
            (factors, reg) = (p.factors, p.regularization)
            solver = .explicit(regBias: p.biasRegularization ?? p.regularization, biased: p.biased, mean: model.globalMean)
        }
        running = Array(0 ..< (users ? grid.rows : grid.columns))
        let tasks = running.map { index -> TaskPlan in
            let line = GridLine(users: users, index: index)
            var payload = common
            if implicit {
                let range = line.range(grid)
                let own = users ? model.users : model.items
                payload.append(FloatFrames.frame(own.values[Int(range.lowerBound) * stride ..< Int(range.upperBound) * stride]))
            }
            let (files, split) = spec.taskInputs(own: line.blocks(grid), m)
            return ALSRowsTask(side: TaskSide(users: users), index: index, stride: stride, factors: factors, reg: reg, split: split, solver: solver)
                .plan(files: files, payload: payload)
        }
        return StagePlan(name: "iteration \(iteration + 1) \(users ? "users" : "items")", tasks: tasks)
    }

    public func accept(task index: Int, output: [String: String], payload: [Frame], worker: String) throws {
        let users = try phase.solvingUsers()
        let range = GridLine(users: users, index: running[index]).range(dataset.grid)
        let bias = implicit ? FloatFrames.frame([Float](repeating: 0, count: range.count)[...]) : (payload.count == 2 ? payload[1] : [])
        guard payload.count == (implicit ? 1 : 2),
              FactorFrames.store(payload[0], bias, into: &model, users: users, rows: range) else {
            throw JobError("train: \(users ? "user" : "item") rows of \(running[index]) came back with the wrong frames")
        }
    }

    public func finish() throws -> JobOutcome {
        let hyperparameters: ModelFile.Metadata.Hyperparameters = implicit ? .alsImplicit(spec.implicit) : .als(spec.als)
        return try TrainingResult.publish(algorithm: spec.algorithm.rawValue, hyperparameters: hyperparameters, model: stopper.best ?? model,
                                          reports: reports, evaluation: evaluation, train: train, dataset: dataset, context: context,
                                          stoppedEarly: stoppedEarly, spec: spec, positiveThreshold: implicit ? spec.implicit.positiveThreshold : nil)
    }

    public var latestCheckpoint: JobCheckpoint? {
        saved.map { c in JobCheckpoint(step: c.iterations, progress: "iteration \(c.iterations) of \(iterations)") { c.encoded() } }
    }

    public var metrics: [String: Double] {
        var m: [String: Double] = ["iteration": Double(min(iteration + 1, max(iterations, 1)))]
        if let last = reports.last {
            if !implicit { m["train_rmse"] = last.trainRMSE }
            if let t = last.testRMSE { m["test_rmse"] = t }
        }
        return m
    }
}
