import ArgumentParser
import CBuildInfo
import CZeroMQ
import CineMeshCluster
import CineMeshData

enum CineMeshVersion {
    static let text = "0.1.0"
    /// The git commit of this build (`CINEMESH_COMMIT` at build time, as deploy/package.sh sets
    /// it), or "unknown".
    static let commit = String(cString: cinemesh_build_commit())
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the versions of CineMesh, its wire protocol, its formats and libzmq.",
        discussion: """
        A worker or gateway works only with a coordinator of the same protocol version; the coordinator \
        refuses any other, and the peer stops saying which version each side speaks.
        """
    )

    func run() throws {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        print("cinemesh \(CineMeshVersion.text) (commit \(CineMeshVersion.commit))")
        print("protocol \(WireHeader.version)")
        print("dataset format \(DatasetManifest.currentVersion), shard format \(ShardFile.version)")
        print("libzmq \(major).\(minor).\(patch)")
    }
}
