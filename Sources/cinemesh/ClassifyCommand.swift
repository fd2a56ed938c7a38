import ArgumentParser
import CineMeshData
import CineMeshNumerics
import Foundation

/// `cinemesh classify DATASET --model logreg|gbdt|forest`: will this user like this title, as a
/// classifier on the features of `cinemesh features`, evaluated on the held-out ratings.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Train a like/dislike classifier on the rating features and evaluate it on the held-out ratings.",
        discussion: """
        The features are `cinemesh features`' (docs/FEATURES.md), from the training ratings only. \
        logreg: L2 logistic regression, scikit-learn's objective with --c (log loss summed over rows \
        plus |w|^2 / 2C, the intercept unpenalized), fitted by Newton's method. Prints accuracy, \
        precision, recall, F1 (at P >= 0.5), ROC-AUC and log loss on the held-out ratings, and each \
        feature's weight and weight x standard deviation (how much it moves the log-odds). \
        gbdt: gradient-boosted trees, LightGBM's gbdt with the binary objective and its parameter \
        names. forest: a random forest with scikit-learn's semantics (bootstrapped deep trees, \
        sqrt(features) per split, probabilities averaged). Both print the same evaluation, a \
        calibration table and each feature's importance (split gain and count); docs/CLASSIFY.md.
        """
    )

    @OptionGroup var options: LikeFeatureOptions

    @Option(help: "The classifier: logreg, gbdt or forest.")
    var model = "logreg"

    @Option(name: .customLong("c"), help: "logreg: inverse of the L2 strength, as scikit-learn's C.")
    var c = 1.0

    @OptionGroup(title: "Trees (gbdt, forest)") var trees: TreeOptions

    @Flag(help: "Print JSON.")
    var json = false

    struct Report: Codable {
        var model: String
        var split: String
        var trainRows: Int
        var testRows: Int
        /// logreg: Newton steps; gbdt and forest: trees kept.
        var iterations: Int
        var converged: Bool?
        var accuracy: Double
        var precision: Double
        var recall: Double
        var f1: Double
        var auc: Double
        var logLoss: Double
        var weights: [String: Double]?
        var intercept: Double?
        // gbdt and forest only:
        var validationRows: Int?
        var validationLoss: [Double]?
        var fitSeconds: Double?
        var calibration: [CalibrationTable.Bin]?
        var importance: [Importance]?
        var boosting: BoostingParameters?
        var forest: ForestParameters?
        var threads: Int?
    }

    /// A feature's part in a tree model.
    struct Importance: Codable {
        var feature: String
        /// The gain of its splits, summed over the trees.
        var gain: Double
        var splits: Int
    }

    /// Held-out labels and predictions, and the metrics of them.
    struct Evaluation {
        var labels: [UInt8] = []
        var probabilities: [Double] = []
        var metrics: LikeClassification
        var logLoss: Double

        /// `probability` of every held-out row of `f`.
        init(_ f: LikeFeatures, _ probability: (ArraySlice<Float>) -> Double) {
            for r in 0 ..< f.count where f.isTest[r] {
                labels.append(f.labels[r])
                probabilities.append(probability(f.row(r)))
            }
            metrics = LikeClassification(ratings: labels.map(Float.init), predictions: probabilities.map { Float($0) }, threshold: 0.5)
            logLoss = TreeEnsemble.logLoss(labels: labels, probabilities: probabilities)
        }

        func print(_ like: Float) {
            Swift.print("held out (\(Terminal.grouped(labels.count)) ratings, like = rating >= \(like)):")
            Swift.print("  accuracy \(Terminal.fixed(metrics.accuracy, 4))  precision \(Terminal.fixed(metrics.precision, 4))  recall \(Terminal.fixed(metrics.recall, 4))  F1 \(Terminal.fixed(metrics.f1, 4))")
            Swift.print("  ROC-AUC \(Terminal.fixed(metrics.auc, 4))  log loss \(Terminal.fixed(logLoss, 4))")
        }
    }

    func run() throws {
        try reportingErrors {
            guard ["logreg", "gbdt", "forest"].contains(model) else {
                throw DataError(.usage, "--model '\(model)' is not a classifier CineMesh has (logreg, gbdt, forest)")
            }
            guard c > 0, c.isFinite else { throw DataError(.usage, "--c must be positive, not \(c)") }
            let spec = try options.splitSpec()
            guard spec != .none else { throw DataError(.usage, "--split none holds nothing out to evaluate on") }
            let f = try options.features().features
            if model != "logreg" {
                try runTrees(f, split: spec)
                return
            }
            let fitted = LogisticRegression.fit(f, use: f.isTest.map { !$0 }, c: c)
            let evaluation = Evaluation(f, fitted.probability)
            let metrics = evaluation.metrics, labels = evaluation.labels
            // Spread of each feature over the training rows: weight x spread is its pull on the log-odds.
            var spread = [Double](repeating: 0, count: f.names.count)
            var mean = [Double](repeating: 0, count: f.names.count)
            let n = Double(max(1, f.isTest.filter { !$0 }.count))
            for r in 0 ..< f.count where !f.isTest[r] { for (k, v) in f.row(r).enumerated() { mean[k] += Double(v) / n } }
            for r in 0 ..< f.count where !f.isTest[r] { for (k, v) in f.row(r).enumerated() { spread[k] += (Double(v) - mean[k]) * (Double(v) - mean[k]) / n } }
            let report = Report(model: model, split: spec.description, trainRows: f.count - labels.count, testRows: labels.count,
                                iterations: fitted.iterations, converged: fitted.converged, accuracy: metrics.accuracy,
                                precision: metrics.precision, recall: metrics.recall, f1: metrics.f1, auc: metrics.auc,
                                logLoss: evaluation.logLoss,
                                weights: Dictionary(uniqueKeysWithValues: zip(f.names, fitted.weights)), intercept: fitted.intercept)
            if json {
                print(String(decoding: try JSON.encode(report), as: UTF8.self))
                return
            }
            print("logreg (C \(c)) on \(Terminal.grouped(report.trainRows)) training ratings, \(fitted.iterations) Newton steps\(fitted.converged ? "" : " (not converged)")")
            evaluation.print(options.like)
            print("  feature            weight   weight x std")
            let order = f.names.indices.sorted { abs(fitted.weights[$0] * spread[$0].squareRoot()) > abs(fitted.weights[$1] * spread[$1].squareRoot()) }
            for k in order {
                print("  " + Terminal.pad(f.names[k], 16) + Terminal.pad(Terminal.fixed(fitted.weights[k], 4), 10, right: true)
                      + Terminal.pad(Terminal.fixed(fitted.weights[k] * spread[k].squareRoot(), 4), 15, right: true))
            }
        }
    }
}
