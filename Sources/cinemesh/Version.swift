import ArgumentParser
import CZeroMQ
import CineMeshData

enum CineMeshVersion {
    static let text = "0.1.0"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the versions of CineMesh, its formats and libzmq.")

    func run() throws {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        print("cinemesh \(CineMeshVersion.text)")
        print("dataset format \(DatasetManifest.currentVersion), shard format \(ShardFile.version)")
        print("libzmq \(major).\(minor).\(patch)")
    }
}
