import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshModel
import CineMeshNumerics
import CineMeshStore
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a recommender on a dataset, in this process or on the cluster (--local N, --cluster), and report per-epoch and held-out metrics.",
        discussion: """
        svd is biased matrix factorization by SGD with Surprise's SVD parameters and defaults, visiting the dataset's grid blocks in the stratified order distributed training uses. als is explicit ALS with weighted-lambda regularization; als-implicit is implicit-feedback ALS (Hu, Koren, Volinsky) with conjugate-gradient updates; baseline is Surprise's BaselineOnly. nmf is Surprise's NMF: non-negative factors by multiplicative updates, with its defaults (15 factors, 50 epochs, --reg 0.06 for reg_pu and reg_qi, factors initialised uniformly in [--init-low 0, --init-high 1)); --biased adds biases learned by SGD (--lr-bias 0.005, --reg-bias 0.02), in one process only.

        Examples:
          cinemesh train datasets/ml-100k --algo svd --factors 100 --epochs 20 --split random:0.2
          cinemesh train datasets/ml-100k --algo als-implicit --store models/ml-100k
          cinemesh train datasets/ml-100k --algo nmf --local 2
          cinemesh train datasets/gen10m --local 2 --factors 100 --epochs 20 --store models/gen10m

        On the cluster (--local N, --cluster or --coordinator) the same flags apply; the model is the same bits \
        as in one process, for any number of workers (with --split last:K each worker reads the whole grid row of \
        the blocks it trains, since a user's latest ratings may lie in any of them).
        """
    )

    @Argument(help: "Dataset directory.")
    var dataset: String

    @OptionGroup var options: TrainSpecOptions

    @OptionGroup var evaluation: EvaluationOptions

    @Option(help: "Write the trained model to this file (with id maps, catalog and the training items of each user).")
    var save: String?

    @Option(help: "Publish the trained model as the next version of this model store directory.")
    var store: String?

    @Option(help: "The name the model is published under (--store, or the cluster's store): a gateway follows one name (default: DATASET/ALGORITHM).")
    var name: String?

    @Option(help: "Versions a model store keeps of each model name (older files are pruned).")
    var keep = 5

    @Option(help: "METRIC[:TOLERANCE]: publish only if the new model's held-out METRIC (rmse, mae: lower is better; auc, f1, precision@K, ndcg@K, ...: higher) is no worse than the serving model's on the same held-out ratings, within TOLERANCE (default 0).")
    var promoteIfBetter: String?

    @Option(help: "Train on a throwaway local cluster of N worker processes, stopped at the end.")
    var local: Int?

    @Flag(help: "Train on the running cluster (`cinemesh up`, or --coordinator) instead of in this process.")
    var cluster = false

    @Option(help: "svd and ALS on the cluster: epochs (iterations) between checkpoints of the model on the coordinator (a worker lost with svd rows, or a coordinator restart, costs the epochs since the last one).")
    var checkpointEvery: Int?

    @OptionGroup var client: ClientOptions

    func run() throws {
        if local != nil || cluster || client.coordinator != nil {
            return try reportingErrors { try runOnCluster() }
        }
        try reportingErrors {
            guard checkpointEvery == nil else { throw DataError(.usage, "--checkpoint-every applies to svd and ALS on a cluster (--local, --cluster)") }
            guard promoteIfBetter == nil || store != nil else {
                throw DataError(.usage, "--promote-if-better compares with the serving model of a store: give --store (or train on a cluster)")
            }
            let spec = try options.spec(test: evaluation.test, name: name, promoteIfBetter: promoteIfBetter)
            let ds = try Dataset(path: dataset)
            let loaded = monotonicSeconds()
            let run: OneProcessTraining
            do { run = try OneProcessTraining(spec: spec, dataset: ds, datasetsDirectory: FileManager.default.currentDirectoryPath) } catch let error as JobError {
                throw DataError(.usage, error.message)
            }
            let trainCount = run.trainCount, testCount = run.evaluation.count
            if run.evaluation.unknownCount > 0 {
                print("test: \(Terminal.grouped(run.evaluation.unknownCount)) ratings of users or items absent from training are predicted from what the model knows of them (biases, or the mean)")
            }
            print("dataset \(ds.manifest.name): \(Terminal.grouped(ds.manifest.users)) users, \(Terminal.grouped(ds.manifest.items)) items; train \(Terminal.grouped(trainCount)), test \(Terminal.grouped(testCount)) ratings; grid \(ds.grid.rows)x\(ds.grid.columns)")
            let algo = spec.algorithm
            if algo.isNeighborhood { return try runNeighborhood(run, loaded: loaded) }
            let started = monotonicSeconds()
            var sweepSeconds = 0.0, evaluationSeconds = 0.0
            var reports: [EpochReport] = []
            var progress = ProgressBar(epochs: spec.svd.epochs)
            switch algo {
            case .alsImplicit: print("iteration  seconds")
            case .als, .svd, .nmf: print("    epoch  train RMSE  test RMSE  seconds")
            case .baseline, .itemKNN, .userKNN, .content: break
            }
            let model = try run.fit(progress: TrainingProgress(
                epoch: { e in
                    progress.clear()
                    sweepSeconds += e.seconds
                    evaluationSeconds += e.evaluationSeconds
                    reports.append(e)
                    print(Self.row(e))
                },
                iteration: { iteration, seconds in
                    sweepSeconds += seconds
                    print("\(Terminal.pad(String(iteration), 9, right: true))  \(Terminal.pad(Terminal.fixed(seconds, 3), 7, right: true))")
                },
                block: { progress.update(epoch: $0, done: $1, blocks: $2) }))
            let fit = monotonicSeconds() - started - evaluationSeconds   // per-epoch test scoring is reporting, not fitting
            let timing = "\(Terminal.fixed(fit, 3)) s (data loaded in \(Terminal.fixed(started - loaded, 2)) s)"
            let result = run.evaluate(model, likeThreshold: evaluation.likeThreshold, topK: evaluation.topK, rankingUsers: evaluation.rankingUsers)
            printEvaluation(result, algo: algo, timing: timing, heldOut: testCount > 0 || !spec.predictsRatings)
            if let rule = spec.promoteIfBetter, let store {
                let modelName = spec.name ?? "\(ds.manifest.name)/\(algo.rawValue)"
                let decision = try rule.decide(candidate: result.metrics, name: modelName, store: try ModelStore(directory: store, keep: keep),
                                               users: ds.users, items: ds.items) {
                    run.evaluate($0, likeThreshold: evaluation.likeThreshold, topK: evaluation.topK, rankingUsers: evaluation.rankingUsers).metrics
                }
                print(decision.description)
                guard decision.promoted else { return }
            }
            if save != nil || store != nil {
                let file = try run.modelFile(model, reports: reports, metrics: result.metrics)
                if let save {
                    try file.write(to: save)
                    print("saved \(save)")
                }
                if let store {
                    let record = try ModelStore(directory: store, keep: keep).publish(file, name: spec.name)
                    print("published version \(record.version) of \(record.name) to \(store)")
                }
            }
            if algo == .svd && sweepSeconds > 0 {
                print("  SGD sweeps \(Terminal.fixed(sweepSeconds, 3)) s: \(Terminal.grouped(Int(Double(trainCount) * Double(spec.svd.epochs) / sweepSeconds))) rating updates/s")
            }
        }
    }

    /// The held-out figures of a trained model.
    private func printEvaluation(_ result: OneProcessTraining.Evaluation, algo: TrainSpec.Algorithm, timing: String, heldOut: Bool) {
        if let errors = result.errors {
            print("\(algo.rawValue): test RMSE \(Terminal.fixed(errors.rmse, 4)), MAE \(Terminal.fixed(errors.mae, 4)) on \(Terminal.grouped(errors.count)) ratings; trained in \(timing)")
        } else if heldOut {
            // als-implicit: scores are preferences, not ratings; RMSE does not apply.
            print("\(algo.rawValue): trained in \(timing)")
        } else {
            print("\(algo.rawValue): trained on every rating in \(timing); nothing held out to score")
        }
        if let like = result.like {
            print("  will like (rating >= \(Terminal.fixed(Double(evaluation.likeThreshold), 1))): AUC \(Terminal.fixed(like.auc, 4)), accuracy \(Terminal.fixed(like.accuracy, 4)), precision \(Terminal.fixed(like.precision, 4)), recall \(Terminal.fixed(like.recall, 4)), F1 \(Terminal.fixed(like.f1, 4))")
        }
        if let ranking = result.ranking {
            print("  top \(evaluation.topK) over \(Terminal.grouped(ranking.users)) users: precision \(Terminal.fixed(ranking.precision, 4)), recall \(Terminal.fixed(ranking.recall, 4)), NDCG \(Terminal.fixed(ranking.ndcg, 4)), MAP \(Terminal.fixed(ranking.map, 4)), hit rate \(Terminal.fixed(ranking.hitRate, 4)), coverage \(Terminal.fixed(ranking.coverage, 4))")
        }
    }

    /// item-knn and user-knn in this process: similarities, neighbour lists and the held-out
    /// evaluation. An item-knn model's lists can be saved as an item-neighbour model file
    /// (`cinemesh similar FILE --title ...`: more like this, by ratings); neither is published to a
    /// model store yet (the store holds factor models).
    private func runNeighborhood(_ run: OneProcessTraining, loaded: Double) throws {
        guard store == nil && promoteIfBetter == nil else {
            throw DataError(.usage, "\(run.spec.algorithm.rawValue) models cannot be published to a model store yet (--store, --promote-if-better): the store holds factor models")
        }
        guard save == nil || run.spec.algorithm == .itemKNN else {
            throw DataError(.usage, run.spec.algorithm == .content
                ? "--save: content neighbours are saved by cinemesh similar DATASET --save FILE"
                : "--save writes item neighbours (more like this); a user-knn model's neighbours are users")
        }
        guard save == nil || run.dataset.catalog != nil else {
            throw DataError(.usage, file: dataset, "--save writes the item-knn lists with the catalog's titles, and the dataset has no catalog")
        }
        let started = monotonicSeconds()
        let model: KNNModel
        do { model = try run.fitNeighborhood() } catch let error as JobError { throw DataError(.usage, error.message) }
        let fit = monotonicSeconds() - started
        let p = run.spec.knn
        print("\(run.spec.algorithm.rawValue): \(p.rule.rawValue) rule, \(run.spec.algorithm == .content ? "catalog cosine" : p.similarity.rawValue) similarity, k \(p.k), min_k \(p.minK); \(Terminal.grouped(model.neighbors.entries)) neighbours kept (\(p.neighbors == 0 ? "every positive one" : "at most \(p.neighbors) each"), checksum \(model.neighbors.checksum))")
        if let save, let catalog = run.dataset.catalog {
            let m = run.dataset.manifest
            let file = ContentModelFile(metadata: .init(algorithm: run.spec.algorithm.rawValue, parameters: try JSONValue(encoding: p), dataset: m.name,
                                                        datasetContentHash: m.contentHash),
                                        catalog: ContentModelFile.displayColumns(of: catalog),
                                        neighbors: model.neighbors.itemNeighbors(catalogRows: run.dataset.catalogRows(), catalogCount: catalog.rowCount))
            try file.write(to: save)
            print("saved \(save) (the neighbour lists: cinemesh similar \(save) --title ...)")
        }
        let result = run.evaluate(model, likeThreshold: evaluation.likeThreshold, topK: evaluation.topK, rankingUsers: evaluation.rankingUsers)
        printEvaluation(result, algo: run.spec.algorithm, timing: "\(Terminal.fixed(fit, 3)) s (data loaded in \(Terminal.fixed(started - loaded, 2)) s)",
                        heldOut: run.evaluation.count > 0)
    }

    /// One line of the per-epoch table.
    static func row(_ e: EpochReport) -> String {
        "\(Terminal.pad(String(e.epoch), 9, right: true))  \(Terminal.pad(Terminal.fixed(e.trainRMSE, 4), 10, right: true))  \(Terminal.pad(e.testRMSE.map { Terminal.fixed($0, 4) } ?? "-", 9, right: true))  \(Terminal.pad(Terminal.fixed(e.seconds, 3), 7, right: true))"
    }

    /// The same training as a `train` job on a cluster: submitted, followed with a progress line,
    /// and its model copied to --save / --store when given.
    private func runOnCluster() throws {
        // A test dataset is read by the coordinator: a path on its box (as given here) or a name in
        // its datasets directory.
        let spec = try options.spec(test: evaluation.test.map(datasetReference), checkpointEvery: checkpointEvery, name: name, promoteIfBetter: promoteIfBetter)
        if spec.algorithm.isNeighborhood {
            guard spec.algorithm != .content else {
                throw DataError(.usage, "content runs in one process (leave out --local, --cluster and --coordinator): its similarities come from the catalog")
            }
            guard save == nil && store == nil && promoteIfBetter == nil else {
                throw DataError(.usage, "\(spec.algorithm.rawValue) models cannot be saved or published yet (--save, --store, --promote-if-better): the model file holds factor models")
            }
            return try client.run(JobSpec(type: "train", dataset: datasetReference(dataset), parameters: spec.parameters), local: local) { final, _ in
                guard let json = final.result else { throw DataError(.io, "job \(final.id) left no result") }
                print(try JSONDecoder().decode(NeighborhoodResult.self, from: Data(json.utf8)).summary)
            }
        }
        try client.run(JobSpec(type: "train", dataset: datasetReference(dataset), parameters: spec.parameters), local: local, then: keep(_:from:))
    }

    /// Prints a finished train job and downloads its model from the coordinator (wherever it
    /// runs) to --save / --store.
    private func keep(_ final: JobRecord, from client: ClusterClient) throws {
        guard let json = final.result else { throw DataError(.io, "job \(final.id) left no result") }
        let result = try JSONDecoder().decode(TrainingResult.self, from: Data(json.utf8))
        // A throwaway cluster's store goes with it: its path would mislead.
        print(result.summary(showingFile: local == nil))
        if let promotion = result.promotion, !promotion.promoted { return }
        guard save != nil || store != nil else {
            if local != nil { print("(the throwaway cluster's model store goes with it: --store or --save keeps the model)") }
            return
        }
        guard let ref = result.modelRef else { throw DataError(.io, "job \(final.id) does not say the size of its model file") }
        let config = try self.client.cluster.load()
        let target = save ?? FileSystem.join(NSTemporaryDirectory(), "cinemesh-model-\(getpid())")
        try FileSystem.makeDirectories(FileSystem.parent(of: target))
        try client.download(ref, to: target, chunkBytes: config.transferChunkBytes, window: config.transferWindow)
        if let save { print("saved \(save) (\(Terminal.grouped(Int(ref.bytes))) bytes from the coordinator)") }
        if let store {
            defer { if save == nil { FileSystem.removeTree(target) } }
            let record = try ModelStore(directory: store, keep: keep).publish(try ModelFile.read(target), name: result.modelName)
            print("published version \(record.version) of \(record.name) to \(store)")
        }
    }
}
