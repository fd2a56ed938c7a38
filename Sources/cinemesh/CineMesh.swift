import ArgumentParser
import CineMeshData

@main
struct CineMesh: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cinemesh",
        abstract: "CineMesh: a distributed recommender and analytics cluster for rating data.",
        version: CineMeshVersion.text,
        subcommands: [Ingest.self, Generate.self, Inspect.self, Train.self, Recommend.self, Models.self, Export.self, Version.self]
    )
}

/// Runs a command body, turning CineMesh errors into `cinemesh: error: ...` on stderr and exit code 1
/// (usage errors: 64), instead of a stack trace or ArgumentParser's generic rendering.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DataError {
        Terminal.error(error.description)
        throw ExitCode(error.kind == .usage ? 64 : 1)
    }
}
