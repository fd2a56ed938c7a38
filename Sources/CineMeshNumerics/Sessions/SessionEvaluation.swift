import Foundation

/// Next-item accuracy on held-out sessions, as session-based recommenders are evaluated: at every
/// position t >= 1 of every test session, the recommender sees items 0 ..< t and must name item
/// t among its first `cutoff`. Hit rate@cutoff is the share of positions where it does; MRR@cutoff
/// the mean of 1/rank there (0 when it does not).
public struct SessionEvaluation: Sendable, Codable, Equatable {
    public var model: String
    public var cutoff: Int
    /// Positions predicted (a test session of length L gives L - 1).
    public var predictions: Int
    public var hitRate: Double
    public var mrr: Double
    /// Share of the items any answer named, of the items in the training sessions.
    public var coverage: Double
    /// Seconds to answer every position.
    public var seconds: Double

    /// Runs `recommender` over the test sessions of `log`.
    public static func run<R: SessionRecommender>(_ recommender: inout R, log: SessionLog, test: [Int], cutoff: Int = 20,
                                                  trainedItems: Int) -> SessionEvaluation {
        let started = Date()
        var predictions = 0, hits = 0
        var reciprocal = 0.0
        var named = [Bool](repeating: false, count: log.itemCount)
        for s in test {
            let items = log.session(s)
            guard items.count >= 2 else { continue }
            for t in 1 ..< items.count {
                let prefix = items[items.startIndex ..< items.startIndex + t]
                let target = Int(items[items.startIndex + t])
                let answer = recommender.recommend(after: prefix, n: cutoff)
                for item in answer { named[item] = true }
                predictions += 1
                if let rank = answer.firstIndex(of: target) {
                    hits += 1
                    reciprocal += 1 / Double(rank + 1)
                }
            }
        }
        let p = Double(max(predictions, 1))
        return SessionEvaluation(model: recommender.name, cutoff: cutoff, predictions: predictions, hitRate: Double(hits) / p,
                                 mrr: reciprocal / p, coverage: Double(named.filter { $0 }.count) / Double(max(trainedItems, 1)),
                                 seconds: Date().timeIntervalSince(started))
    }
}

/// What `cinemesh sessions` reports: the sessions cut, the split, and each model's evaluation.
public struct SessionReport: Sendable, Codable, Equatable {
    public var gapSeconds: Int64
    public var sessions: Int
    public var trainingSessions: Int
    public var testSessions: Int
    /// Median and mean session length (items).
    public var medianLength: Int
    public var meanLength: Double
    public var models: [SessionEvaluation]

    /// Cuts `log`'s sessions, holds out the latest `testFraction`, and evaluates most-popular,
    /// sequential rules and session-kNN at `cutoff`.
    public init(log: SessionLog, gapSeconds: Int64, testFraction: Double, cutoff: Int, k: Int, sampleSize: Int, window: Int, steps: Int) {
        let (train, test) = log.split(testFraction: testFraction)
        let lengths = (0 ..< log.count).map { log.offsets[$0 + 1] - log.offsets[$0] }.sorted()
        var trained = [Bool](repeating: false, count: log.itemCount)
        for s in train { for item in log.session(s) { trained[Int(item)] = true } }
        let trainedItems = trained.filter { $0 }.count
        var popular = MostPopularNext(log, training: train)
        var rules = SequentialRules(log, training: train, steps: steps, window: window)
        var knn = SessionKNN(log, training: train, k: k, sampleSize: sampleSize, window: window)
        self.gapSeconds = gapSeconds
        sessions = log.count
        trainingSessions = train.count
        testSessions = test.count
        medianLength = lengths.isEmpty ? 0 : lengths[lengths.count / 2]
        meanLength = lengths.isEmpty ? 0 : Double(lengths.reduce(0, +)) / Double(lengths.count)
        models = [
            SessionEvaluation.run(&popular, log: log, test: test, cutoff: cutoff, trainedItems: trainedItems),
            SessionEvaluation.run(&rules, log: log, test: test, cutoff: cutoff, trainedItems: trainedItems),
            SessionEvaluation.run(&knn, log: log, test: test, cutoff: cutoff, trainedItems: trainedItems),
        ]
    }
}
