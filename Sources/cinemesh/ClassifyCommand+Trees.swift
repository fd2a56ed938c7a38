import CineMeshData
import CineMeshNumerics
import Foundation

extension ClassifyCommand {
    /// `--model gbdt|forest`: fits on the training rows, prints the held-out evaluation, the
    /// calibration table and the features' importance.
    func runTrees(_ f: LikeFeatures, split: SplitSpec) throws {
        let train = (0 ..< f.count).compactMap { f.isTest[$0] ? nil : Int32($0) }
        let start = Date()
        var boosting: BoostingParameters?, forest: ForestParameters?
        let fitted: TreeEnsemble
        if model == "gbdt" {
            boosting = try trees.boosting()
            fitted = try GradientBoosting.fit(values: f.values, width: f.names.count, labels: f.labels, rows: train, parameters: boosting!,
                                             threads: trees.threads)
        } else {
            forest = try trees.forest()
            fitted = try RandomForest.fit(values: f.values, width: f.names.count, labels: f.labels, rows: train, parameters: forest!,
                                        threads: trees.threads)
        }
        let seconds = Date().timeIntervalSince(start)
        let evaluation = Evaluation(f, fitted.probability)
        let calibration = CalibrationTable(labels: evaluation.labels, probabilities: evaluation.probabilities)
        let (gain, splits) = fitted.importance()
        let importance = f.names.indices.map { Importance(feature: f.names[$0], gain: gain[$0], splits: splits[$0]) }
            .sorted { $0.gain > $1.gain }
        let validationRows = boosting.map { $0.earlyStoppingRound > 0 ? GradientBoosting.validationCut(train, fraction: $0.validationFraction).validation.count : 0 }
        let m = evaluation.metrics
        let report = Report(model: model, split: split.description, trainRows: train.count, testRows: evaluation.labels.count,
                            iterations: fitted.trees.count, accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1,
                            auc: m.auc, logLoss: evaluation.logLoss, validationRows: validationRows,
                            validationLoss: boosting == nil ? nil : fitted.validationLoss, fitSeconds: seconds,
                            calibration: calibration.bins, importance: importance, boosting: boosting, forest: forest, threads: trees.threads)
        if json {
            print(String(decoding: try JSON.encode(report), as: UTF8.self))
            return
        }
        if let p = boosting {
            let stopped = p.earlyStoppingRound > 0
                ? ", \(Terminal.grouped(validationRows ?? 0)) of them held out to stop early: best after \(fitted.trees.count) of \(fitted.validationLoss.count) trees"
                : ""
            print("gbdt (\(fitted.trees.count) trees, \(describe(p.shape)), learning rate \(p.learningRate)) on \(Terminal.grouped(train.count)) training ratings\(stopped), fit \(Terminal.fixed(seconds, 2)) s on \(trees.threads) threads")
        } else if let p = forest {
            print("forest (\(fitted.trees.count) trees, \(describe(p.shape)), \(p.featuresPerNode(of: f.names.count)) of \(f.names.count) features per split) on \(Terminal.grouped(train.count)) training ratings, fit \(Terminal.fixed(seconds, 2)) s on \(trees.threads) threads")
        }
        evaluation.print(options.like)
        print("  calibration        ratings  mean P(like)  observed")
        for bin in calibration.bins {
            print("  " + Terminal.pad("\(Terminal.fixed(bin.lower, 1))-\(Terminal.fixed(bin.upper, 1))", 14)
                  + Terminal.pad(Terminal.grouped(bin.count), 12, right: true)
                  + Terminal.pad(bin.count > 0 ? Terminal.fixed(bin.meanPredicted, 4) : "-", 14, right: true)
                  + Terminal.pad(bin.count > 0 ? Terminal.fixed(bin.observedRate, 4) : "-", 10, right: true))
        }
        let totalGain = max(importance.reduce(0) { $0 + $1.gain }, .leastNormalMagnitude)
        print("  feature               gain   share   splits")
        for entry in importance {
            print("  " + Terminal.pad(entry.feature, 16) + Terminal.pad(Terminal.fixed(entry.gain, 1), 11, right: true)
                  + Terminal.pad(Terminal.fixed(100 * entry.gain / totalGain, 1) + "%", 8, right: true)
                  + Terminal.pad(Terminal.grouped(entry.splits), 9, right: true))
        }
    }

    private func describe(_ shape: TreeShape) -> String {
        (shape.numLeaves == .max ? "no leaf limit" : "at most \(shape.numLeaves) leaves") + (shape.maxDepth > 0 ? ", depth \(shape.maxDepth)" : "")
    }
}
