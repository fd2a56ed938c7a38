import ArgumentParser
import CineMeshCluster
import CineMeshData
import CineMeshJobs
import CineMeshNumerics
import Foundation

/// `cinemesh compare DATASET --algos svd,als,item-knn,nmf`: one table of held-out figures for
/// several algorithms trained on the same split.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train several algorithms on the same split, each with its defaults, and print one table of their held-out figures.",
        discussion: """
        Each algorithm is trained in this process as `cinemesh train` trains it, on the same training ratings, \
        and scored on the same held-out ones: RMSE and MAE of the predicted ratings (clipped to the scale; not for \
        als-implicit, whose scores are preferences), and its top-k lists (the user's training items left out) against \
        each user's held-out ratings at or above --like-threshold: precision, recall, NDCG, MAP and hit rate at k, and \
        the catalog coverage of the lists; then the fit time (baselines, factors or similarities; not the scoring).

        Examples:
          cinemesh compare datasets/ml-100k --algos svd,als,item-knn,nmf,baseline
          cinemesh compare datasets/u1-base --test datasets/u1-test --format csv
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @Argument(help: "Dataset directory.")
    var dataset: String

    @Option(help: "Algorithms, comma-separated, in the table's order: \(TrainSpec.Algorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
    var algos = "svd,als,item-knn,nmf,baseline"

    @Option(help: "Held-out ratings: random:FRACTION, last:K or kfold:K:I (as `train`).")
    var split = TrainSpec().split.description

    @Option(help: "Seed of the split.")
    var splitSeed = TrainSpec().splitSeed

    @OptionGroup var evaluation: EvaluationOptions

    @Option(help: "Output: table, json or csv.")
    var format = Format.table

    func run() throws {
        try reportingErrors {
            var algorithms: [TrainSpec.Algorithm] = []
            for name in algos.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let a = TrainSpec.Algorithm(rawValue: name) else {
                    throw DataError(.usage, "--algos: '\(name)' is not one of \(TrainSpec.Algorithm.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard !algorithms.contains(a) else { throw DataError(.usage, "--algos names \(name) twice") }
                algorithms.append(a)
            }
            guard !algorithms.isEmpty else { throw DataError(.usage, "--algos names no algorithm") }
            let (test, likeThreshold, topK, rankingUsers) = (evaluation.test, evaluation.likeThreshold, evaluation.topK, evaluation.rankingUsers)
            guard topK >= 1, rankingUsers >= 1 else { throw DataError(.usage, "--top-k and --ranking-users must be at least 1") }
            let spec = try SplitSpec(parsing: split)
            guard spec != .none || test != nil else { throw DataError(.usage, "--split none holds nothing out to compare on") }
            var comparison = ModelComparison(dataset: try Dataset(path: dataset), split: spec, splitSeed: splitSeed, test: test)
            comparison.likeThreshold = likeThreshold
            comparison.topK = topK
            comparison.rankingUsers = rankingUsers
            var rows: [ModelComparison.Row] = []
            for a in algorithms {
                do { rows.append(try comparison.row(a, datasetsDirectory: FileManager.default.currentDirectoryPath)) } catch let error as JobError {
                    throw DataError(.usage, error.message)
                }
                if format == .table { FileHandle.standardError.write(Data("trained \(a.rawValue)\n".utf8)) }
            }
            print(render(rows), terminator: "")
        }
    }

    private func render(_ rows: [ModelComparison.Row]) -> String {
        let k = evaluation.topK
        func f(_ x: Double?, _ digits: Int = 4) -> String { x.map { Terminal.fixed($0, digits) } ?? "-" }
        switch format {
        case .json:
            return String(decoding: (try? JSON.encode(rows)) ?? [], as: UTF8.self) + "\n"
        case .csv:
            let header = "algorithm,rmse,mae,precision@\(k),recall@\(k),ndcg@\(k),map@\(k),hit_rate@\(k),coverage,ranked_users,fit_seconds"
            return ([header] + rows.map { r in
                [r.algorithm, r.rmse.map { String($0) } ?? "", r.mae.map { String($0) } ?? "", String(r.precision), String(r.recall), String(r.ndcg),
                 String(r.map), String(r.hitRate), String(r.coverage), String(r.rankedUsers), String(r.fitSeconds)].joined(separator: ",")
            }).joined(separator: "\n") + "\n"
        case .table:
            let columns = ["algorithm", "RMSE", "MAE", "P@\(k)", "R@\(k)", "NDCG@\(k)", "MAP@\(k)", "HR@\(k)", "coverage", "fit s"]
            let widths = [14, 8, 8, 8, 8, 8, 8, 8, 9, 8]
            var lines = [zip(columns, widths).enumerated().map { n, c in Terminal.pad(c.0, c.1, right: n > 0) }.joined(separator: " ")]
            for r in rows {
                let cells = [r.algorithm, f(r.rmse), f(r.mae), f(r.precision), f(r.recall), f(r.ndcg), f(r.map), f(r.hitRate), f(r.coverage), f(r.fitSeconds, 3)]
                lines.append(zip(cells, widths).enumerated().map { n, c in Terminal.pad(c.0, c.1, right: n > 0) }.joined(separator: " "))
            }
            lines.append("top-\(k) lists of \(rows.first.map { Terminal.grouped($0.rankedUsers) } ?? "0") users against their held-out ratings >= \(evaluation.likeThreshold)")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
