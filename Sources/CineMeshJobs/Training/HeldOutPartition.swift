import CineMeshCluster
import CineMeshData
import CineMeshModel
import CineMeshNumerics

/// A held-out set cut along the grid's rows, for workers that score the rows they hold: each grid
/// row's ratings (the users of the row's range) as payload frames, and the ratings of users the
/// training data does not know, which only need biases.
struct HeldOutPartition {
    let evaluation: EvaluationSet
    /// Per grid row: the indices of its users' ratings.
    let rows: [Range<Int>]
    /// The ratings of unknown users (index -1).
    let unknownUsers: Range<Int>

    init(_ evaluation: EvaluationSet, grid: Grid) {
        var set = evaluation
        if !zip(set.users, set.users.dropFirst()).allSatisfy({ $0 <= $1 }) { set.sortByUser() }
        self.evaluation = set
        rows = (0 ..< grid.rows).map { r in
            let u = grid.userRange(row: r)
            return set.range(users: Int32(u.lowerBound) ..< Int32(u.upperBound))
        }
        unknownUsers = set.range(users: -1 ..< 0)
    }

    /// Row `row`'s held-out users, items and ratings (ordered by user), as three frames.
    func frames(row: Int) -> [Frame] {
        let r = rows[row]
        return [FloatFrames.frame(evaluation.users[r]), FloatFrames.frame(evaluation.items[r]), FloatFrames.frame(evaluation.ratings[r])]
    }

    /// The errors of the ratings in `ranges` under `scorer` (the coordinator's own share).
    func errors(_ ranges: [Range<Int>], _ scorer: HeldOutScorer) -> ErrorSum {
        var sum = ErrorSum()
        evaluation.users.withUnsafeBufferPointer { u in
            evaluation.items.withUnsafeBufferPointer { i in
                evaluation.ratings.withUnsafeBufferPointer { r in
                    for range in ranges where !range.isEmpty {
                        sum.merge(scorer.errors(users: UnsafeBufferPointer(rebasing: u[range]), items: UnsafeBufferPointer(rebasing: i[range]),
                                                ratings: UnsafeBufferPointer(rebasing: r[range])))
                    }
                }
            }
        }
        return sum
    }
}
