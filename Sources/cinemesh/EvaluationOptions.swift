import ArgumentParser

/// How `train` and `compare` score a model on held-out ratings: a separate test dataset instead of
/// a split, what counts as a like (a relevant item), and the top-N lists the ranking metrics read.
struct EvaluationOptions: ParsableArguments {
    @Option(help: "A dataset of held-out ratings (e.g. the test file of a predefined split) to score instead of a random split; its ids are matched to the training dataset's.")
    var test: String?

    @Option(help: "A held-out rating at or above this is a 'like' (classification metrics) and a relevant item (ranking metrics).")
    var likeThreshold: Float = 4

    @Option(help: "Length of the top-N lists the ranking metrics score.")
    var topK = 10

    @Option(help: "Evaluate ranking metrics on at most this many users (lowest ids first).")
    var rankingUsers = 5000
}
