@testable import CineMeshData
import Foundation
import Testing

/// Old dataset versions go once no job uses them: their manifests and the files no kept version
/// names; whatever a kept version names stays and still reads.
@Suite struct DatasetPrunerTests {
    let appends = DatasetAppendTests()

    /// Version 1 (40 users, 30 items), then 2 and 3, each adding users and items.
    func threeVersions(_ dir: TempDir) throws -> String {
        _ = try appends.base(dir)
        let path = dir.sub("ds")
        _ = try appends.append(dir.write("day2.csv", DatasetAppendTests.header + "41,31,4.0,1700000000\n42,5,3.0,1700000001\n"), to: path)
        _ = try appends.append(dir.write("day3.csv", DatasetAppendTests.header + "43,32,5.0,1700000002\n"), to: path)
        return path
    }

    func files(_ path: String) throws -> Set<String> {
        Set(try FileSystem.list(path).map { $0 } + FileSystem.list(FileSystem.join(path, "blocks")).map { "blocks/\($0)" }
            + FileSystem.list(FileSystem.join(path, "versions")).map { "versions/\($0)" })
    }

    @Test func versionsNoJobUsesGoAndWhatTheRestNameStays() throws {
        let dir = TempDir("prune")
        let path = try threeVersions(dir)
        #expect(try Dataset.versions(at: path) == [1, 2, 3])
        let v3 = try Dataset(path: path)
        let ratings = try allRatings(v3).mapValues { "\($0.0) \($0.1)" }
        // Version 2 is in use: only version 1 goes, and of its files only those 2 and 3 do not name.
        let named2 = try DatasetPruner.manifest(path, version: 2, newest: 3)
        let named3 = v3.manifest
        let keep = Set((named2.blocks.map(\.file) + named2.files.map(\.file)) + (named3.blocks.map(\.file) + named3.files.map(\.file)))
        let first = try DatasetPruner.prune(path, keeping: [2])
        #expect(first.removedVersions == [1] && !first.skipped)
        #expect(first.removedFiles.allSatisfy { !keep.contains($0) } && !first.removedFiles.isEmpty && first.freedBytes > 0)
        #expect(try Dataset.versions(at: path) == [2, 3])
        #expect(try allRatings(try Dataset(path: path, version: 2)).count > 0)
        // Then nothing uses version 2 either: the newest alone is left, and reads the same ratings.
        let second = try DatasetPruner.prune(path, keeping: [])
        #expect(second.removedVersions == [2])
        #expect(try Dataset.versions(at: path) == [3])
        #expect(try allRatings(try Dataset(path: path)).mapValues { "\($0.0) \($0.1)" } == ratings)
        let left = try files(path).filter { !$0.hasPrefix(".") && $0 != "manifest.json" && !$0.hasPrefix("versions/") }
        #expect(left == Set(named3.blocks.map(\.file) + named3.files.map(\.file)).union(["blocks", "versions"]))
        // Nothing more to do.
        #expect(try DatasetPruner.prune(path, keeping: []) == DatasetPruner.Outcome())
    }

    @Test func versionsFromTheLimitOnAndTheNewestStay() throws {
        let dir = TempDir("prune-limit")
        let path = try threeVersions(dir)
        #expect(try DatasetPruner.prune(path, keeping: [], before: 2).removedVersions == [1])
        #expect(try Dataset.versions(at: path) == [2, 3])
    }

    @Test func filesLeftByAPruneThatStoppedHalfwayGoNextTime() throws {
        let dir = TempDir("prune-orphans")
        let path = try threeVersions(dir)
        let v2 = try DatasetPruner.manifest(path, version: 2, newest: 3)
        let only2 = Set(v2.blocks.map(\.file) + v2.files.map(\.file)).subtracting(Set(try Dataset(path: path).manifest.blocks.map(\.file)))
            .filter { $0.contains("-v0002.") }
        #expect(!only2.isEmpty)
        // Version 2's manifest went, its files did not.
        FileSystem.removeTree(FileSystem.join(path, DatasetManifest.versionPath(2)))
        let outcome = try DatasetPruner.prune(path, keeping: [1])
        #expect(outcome.removedVersions.isEmpty)
        #expect(Set(outcome.removedFiles).isSuperset(of: only2))
        #expect(try Dataset.versions(at: path) == [1, 3])
        _ = try allRatings(try Dataset(path: path, version: 1))
        _ = try allRatings(try Dataset(path: path))
    }

    @Test func anAppendHoldingTheLockIsLeftAlone() throws {
        let dir = TempDir("prune-lock")
        let path = try threeVersions(dir)
        let lock = try FileLock(path: FileSystem.join(path, ".append.lock"), holder: "a test append")
        defer { lock.unlock() }
        #expect(try DatasetPruner.prune(path, keeping: []).skipped)
        #expect(try Dataset.versions(at: path) == [1, 2, 3])
    }

    @Test func versionedNamesAreRecognized() {
        #expect(DatasetPruner.versionInName("block-r0003-c0001-v0002.shard") == 2)
        #expect(DatasetPruner.versionInName("users-v0010.idmap") == 10)
        #expect(DatasetPruner.versionInName("block-r0003-c0001.shard") == nil)
        #expect(DatasetPruner.versionInName("movies-v.csv") == nil)
        #expect(DatasetPruner.versionInName("-v12") == nil)
    }
}
