import ArgumentParser
import CineMeshData
import CineMeshModel
import CineMeshNumerics
import Foundation

/// `cinemesh features DATASET --out FILE.csv|.npy`: the like/dislike features of every rating,
/// for any Python tool to check or to train on (docs/FEATURES.md).
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Export the features of \"will this user like this title\" for every rating of a split (CSV or NumPy).",
        discussion: """
        One row per rating: the user's and the title's training statistics, the user's affinity for the \
        title's genres and, with timestamps, the title's age and the rating's hour and weekday \
        (docs/FEATURES.md). A held-out rating's features use the training ratings only; a training \
        rating's leave itself out. The label is 1 for a rating at or above --like. \
        FILE.csv has a header: user, item, rating, label, split (train or test), then the features. \
        FILE.npy is a float32 matrix: label, is_test, then the features; FILE.npy.json names the columns.
        """
    )

    @OptionGroup var options: LikeFeatureOptions

    @Option(help: "The file to write: .csv or .npy.")
    var out: String

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        try reportingErrors {
            let csv = out.hasSuffix(".csv")
            guard csv || out.hasSuffix(".npy") else { throw DataError(.usage, file: out, "--out must end in .csv or .npy") }
            guard force || !FileSystem.exists(out) else { throw DataError(.usage, file: out, "exists (--force replaces it)") }
            let (data, f) = try options.features()
            if csv {
                var text = "user,item,rating,label,split," + f.names.joined(separator: ",") + "\n"
                text.reserveCapacity(f.count * (24 + 10 * f.names.count))
                for r in 0 ..< f.count {
                    text += "\(data.users.ids[Int(f.users[r])]),\(data.items.ids[Int(f.items[r])]),\(f.ratings[r]),\(f.labels[r]),\(f.isTest[r] ? "test" : "train")"
                    for v in f.row(r) { text += ",\(v)" }
                    text += "\n"
                }
                try AtomicFile.write(Array(text.utf8), to: out)
            } else {
                var matrix: [Float] = []
                matrix.reserveCapacity(f.count * (2 + f.names.count))
                for r in 0 ..< f.count {
                    matrix.append(Float(f.labels[r]))
                    matrix.append(f.isTest[r] ? 1 : 0)
                    matrix.append(contentsOf: f.row(r))
                }
                try AtomicFile.write(ModelFile.npy(matrix, shape: [f.count, 2 + f.names.count]), to: out)
                struct Columns: Codable { var columns: [String]; var like: Float; var split: String; var splitSeed: UInt64 }
                try AtomicFile.write(try JSON.encode(Columns(columns: ["label", "is_test"] + f.names, like: options.like, split: options.split, splitSeed: options.splitSeed)),
                                     to: out + ".json")
            }
            let likes = f.labels.reduce(0) { $0 + Int($1) }
            print("wrote \(out): \(Terminal.grouped(f.count)) ratings (\(Terminal.grouped(f.isTest.filter { $0 }.count)) held out), "
                  + "\(f.names.count) features, \(Terminal.fixed(Double(likes) / Double(max(f.count, 1)) * 100, 1))% likes")
            print("features: \(f.names.joined(separator: ", "))")
        }
    }
}
