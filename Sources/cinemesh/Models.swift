import ArgumentParser
import CineMeshData
import CineMeshStore

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the model versions in a model store.")

    @Argument(help: "Model store directory (from `cinemesh train --store`).")
    var store: String

    @Flag(help: "Include pruned versions.")
    var all = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard FileSystem.isDirectory(store) else { throw DataError(.usage, file: store, "no such model store directory") }
            let records = try ModelStore(directory: store).list(includePruned: all)
            if json {
                print(String(decoding: try JSON.encode(records), as: UTF8.self), terminator: "")
                return
            }
            if records.isEmpty { print("no models in \(store)"); return }
            print("version  name                      algorithm      dataset              created               metrics")
            for r in records {
                let metrics = r.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(Terminal.fixed($0.value, 4))" }.joined(separator: ", ")
                print("\(Terminal.pad(String(r.version), 7, right: true))  \(Terminal.pad(r.name, 25)) \(Terminal.pad(r.algorithm, 13)) \(Terminal.pad(r.dataset, 20)) \(Terminal.pad(r.createdAt, 21)) \(r.pruned ? "(pruned) " : "")\(metrics)")
            }
        }
    }
}
