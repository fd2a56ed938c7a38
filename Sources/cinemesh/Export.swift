import ArgumentParser
import CineMeshData
import CineMeshModel
import CineMeshNumerics

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model's factors for other tools.",
        discussion: """
        --format npy writes a directory of NumPy arrays (user_factors.npy, item_factors.npy, user_bias.npy, item_bias.npy), the external id of every row (user_ids.txt, item_ids.txt) and model.json. In Python: numpy.load("DIR/item_factors.npy").
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case npy }

    @Argument(help: "Model file (`cinemesh train --save`) or model store directory (`cinemesh train --store`).")
    var model: String

    @Option(help: "Version to use from a model store (default: the newest).")
    var version: Int?

    @Option(help: "Export format.")
    var format: Format = .npy

    @Option(name: .shortAndLong, help: "Output directory.")
    var out: String

    @Flag(help: "Replace an existing export directory.")
    var force = false

    func run() throws {
        try reportingErrors {
            let file = try ModelSource.open(model, version: version)
            try file.exportNPY(to: out, overwrite: force)
            print("exported \(file.model.users.rows) user and \(file.model.items.rows) item rows of \(file.model.users.factors) factors to \(out)")
        }
    }
}
