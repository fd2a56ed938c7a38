import ArgumentParser
import CineMeshData
import CineMeshNumerics
import Foundation

/// `cinemesh classify DATASET --model logreg`: will this user like this title, as a classifier on
/// the features of `cinemesh features`, evaluated on the held-out ratings.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Train a like/dislike classifier on the rating features and evaluate it on the held-out ratings.",
        discussion: """
        The features are `cinemesh features`' (docs/FEATURES.md), from the training ratings only. \
        logreg: L2 logistic regression, scikit-learn's objective with --c (log loss summed over rows \
        plus |w|^2 / 2C, the intercept unpenalized), fitted by Newton's method. Prints accuracy, \
        precision, recall, F1 (at P >= 0.5), ROC-AUC and log loss on the held-out ratings, and each \
        feature's weight and weight x standard deviation (how much it moves the log-odds).
        """
    )

    @OptionGroup var options: LikeFeatureOptions

    @Option(help: "The classifier: logreg.")
    var model = "logreg"

    @Option(name: .customLong("c"), help: "logreg: inverse of the L2 strength, as scikit-learn's C.")
    var c = 1.0

    @Flag(help: "Print JSON.")
    var json = false

    struct Report: Codable {
        var model: String
        var split: String
        var trainRows: Int
        var testRows: Int
        var iterations: Int
        var converged: Bool
        var accuracy: Double
        var precision: Double
        var recall: Double
        var f1: Double
        var auc: Double
        var logLoss: Double
        var weights: [String: Double]
        var intercept: Double
    }

    func run() throws {
        try reportingErrors {
            guard model == "logreg" else { throw DataError(.usage, "--model '\(model)' is not a classifier CineMesh has (logreg)") }
            guard c > 0, c.isFinite else { throw DataError(.usage, "--c must be positive, not \(c)") }
            let spec = try options.splitSpec()
            guard spec != .none else { throw DataError(.usage, "--split none holds nothing out to evaluate on") }
            let f = try options.features().features
            let fitted = LogisticRegression.fit(f, use: f.isTest.map { !$0 }, c: c)
            var labels: [Float] = [], probabilities: [Float] = []
            var logLoss = 0.0
            for r in 0 ..< f.count where f.isTest[r] {
                let p = fitted.probability(f.row(r))
                labels.append(Float(f.labels[r]))
                probabilities.append(Float(p))
                logLoss -= f.labels[r] == 1 ? log(max(p, 1e-15)) : log(max(1 - p, 1e-15))
            }
            let metrics = LikeClassification(ratings: labels, predictions: probabilities, threshold: 0.5)
            // Spread of each feature over the training rows: weight x spread is its pull on the log-odds.
            var spread = [Double](repeating: 0, count: f.names.count)
            var mean = [Double](repeating: 0, count: f.names.count)
            let n = Double(max(1, f.isTest.filter { !$0 }.count))
            for r in 0 ..< f.count where !f.isTest[r] { for (k, v) in f.row(r).enumerated() { mean[k] += Double(v) / n } }
            for r in 0 ..< f.count where !f.isTest[r] { for (k, v) in f.row(r).enumerated() { spread[k] += (Double(v) - mean[k]) * (Double(v) - mean[k]) / n } }
            let report = Report(model: model, split: spec.description, trainRows: f.count - labels.count, testRows: labels.count,
                                iterations: fitted.iterations, converged: fitted.converged, accuracy: metrics.accuracy,
                                precision: metrics.precision, recall: metrics.recall, f1: metrics.f1, auc: metrics.auc,
                                logLoss: logLoss / Double(max(1, labels.count)),
                                weights: Dictionary(uniqueKeysWithValues: zip(f.names, fitted.weights)), intercept: fitted.intercept)
            if json {
                print(String(decoding: try JSON.encode(report), as: UTF8.self))
                return
            }
            print("logreg (C \(c)) on \(Terminal.grouped(report.trainRows)) training ratings, \(fitted.iterations) Newton steps\(fitted.converged ? "" : " (not converged)")")
            print("held out (\(Terminal.grouped(report.testRows)) ratings, like = rating >= \(options.like)):")
            print("  accuracy \(Terminal.fixed(report.accuracy, 4))  precision \(Terminal.fixed(report.precision, 4))  recall \(Terminal.fixed(report.recall, 4))  F1 \(Terminal.fixed(report.f1, 4))")
            print("  ROC-AUC \(Terminal.fixed(report.auc, 4))  log loss \(Terminal.fixed(report.logLoss, 4))")
            print("  feature            weight   weight x std")
            let order = f.names.indices.sorted { abs(fitted.weights[$0] * spread[$0].squareRoot()) > abs(fitted.weights[$1] * spread[$1].squareRoot()) }
            for k in order {
                print("  " + Terminal.pad(f.names[k], 16) + Terminal.pad(Terminal.fixed(fitted.weights[k], 4), 10, right: true)
                      + Terminal.pad(Terminal.fixed(fitted.weights[k] * spread[k].squareRoot(), 4), 15, right: true))
            }
        }
    }
}
