import ArgumentParser
import CineMeshAnalytics
import CineMeshCluster
import CineMeshData
import CineMeshLaunch

@main
struct CineMesh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cinemesh",
        abstract: "CineMesh: a distributed recommender and analytics cluster for rating data.",
        version: CineMeshVersion.text,
        subcommands: [Ingest.self, Retrain.self, Generate.self, Inspect.self, Train.self, Recommend.self, Models.self, Export.self,
                      CoordinatorCommand.self, WorkerCommand.self, Submit.self, Jobs.self, Status.self, Cancel.self,
                      Workers.self, Up.self, Down.self, Tune.self, SessionsCommand.self, FeaturesCommand.self, ClassifyCommand.self, CompareCommand.self, QueryCommand.self, ReportCommand.self, Similar.self, MatchTitles.self, GatewayCommand.self, Keys.self, ClusterCommand.self, Version.self]
    )
}

/// Runs a command body, turning CineMesh errors into `cinemesh: error: ...` on stderr and exit code 1
/// (usage errors: 64), instead of a stack trace or ArgumentParser's generic rendering.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        throw exitCode(for: error)
    }
}

/// `reportingErrors` for async command bodies.
func reportingErrorsAsync(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw exitCode(for: error)
    }
}

/// Prints a CineMesh error and maps it to an exit code: 64 for usage and configuration errors, 1 for
/// the rest. Errors that are not CineMesh's (ArgumentParser's own, ExitCode) pass through.
private func exitCode(for error: Error) -> Error {
    switch error {
    case let e as DataError:
        Terminal.error(e.description)
        return ExitCode(e.kind == .usage ? 64 : 1)
    case let e as ConfigError:
        Terminal.error(e.description)
        return ExitCode(64)
    case let e as ClusterClient.Failure:
        Terminal.error(e.description)
        // bad-request is the coordinator's usage error and wrong-endpoint a configuration error
        // (a workers endpoint given as the clients one); the rest (a dataset it cannot open, a job
        // it does not have) are 1, as the same failures are in this process.
        return ExitCode(["bad-request", ProtocolError.wrongEndpoint("").code].contains(e.code) ? 64 : 1)
    case let e as LaunchError:
        Terminal.error(e.description)
        return ExitCode(1)
    case let e as SSH.Failure:
        Terminal.error(e.description)
        return ExitCode(1)
    case let e as ZMQError:
        Terminal.error(e.description)
        return ExitCode(1)
    case let e as QueryError:
        Terminal.error(e.description)
        return ExitCode(1)
    case let e as JobError:
        Terminal.error(e.description)
        return ExitCode(1)
    default:
        return error
    }
}
