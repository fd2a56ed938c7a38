import ArgumentParser
import CineMeshData
import CineMeshNumerics

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model's factors for other tools.",
        discussion: """
        --format npy writes a directory of NumPy arrays (user_factors.npy, item_factors.npy,
        user_bias.npy, item_bias.npy), the external id of every row (user_ids.txt, item_ids.txt)
        and model.json. In Python: numpy.load("DIR/item_factors.npy").
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case npy }

    @Argument(help: "Model file (from `cinemesh train --save`).")
    var model: String

    @Option(help: "Export format.")
    var format: Format = .npy

    @Option(name: .shortAndLong, help: "Output directory.")
    var out: String

    @Flag(help: "Replace an existing export directory.")
    var force = false

    func run() throws {
        try reportingErrors {
            let file = try ModelFile.read(model)
            try file.exportNPY(to: out, overwrite: force)
            print("exported \(file.model.users.rows) user and \(file.model.items.rows) item rows of \(file.model.users.factors) factors to \(out)")
        }
    }
}
