import CineMeshData
import Foundation

/// A fresh directory under /tmp, removed when the value is released.
final class TempDir {
    let path: String
    init(_ label: String = "t") {
        path = "/tmp/cinemesh-test-\(getpid())-\(label)-\(UInt32.random(in: 0 ... .max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let p = path + "/" + name
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    func sub(_ name: String) -> String { path + "/" + name }
}

/// `../shared/data` beside the repository, or `CINEMESH_SHARED_DATA`; nil when absent.
let sharedData: String? = {
    if let env = ProcessInfo.processInfo.environment["CINEMESH_SHARED_DATA"], !env.isEmpty {
        return FileManager.default.fileExists(atPath: env) ? env : nil
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let p = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
    return FileManager.default.fileExists(atPath: p) ? p : nil
}()

let sharedDataMissing = "../shared/data is absent (set CINEMESH_SHARED_DATA to run the real-data tests)"

@discardableResult
func ingest(_ inputs: [String], _ out: String, configure: (inout IngestOptions) -> Void = { _ in }) throws -> IngestReport {
    var o = IngestOptions()
    configure(&o)
    return try Ingestor(options: o).run(inputs: inputs, output: out)
}

/// Every rating of a dataset as (external user, external item) -> (rating, timestamp).
func allRatings(_ ds: Dataset) throws -> [String: (Float, Int64)] {
    var out: [String: (Float, Int64)] = [:]
    for block in try ds.allBlocks() {
        for k in 0 ..< block.count {
            let key = "\(ds.users.ids[Int(block.users[k])])|\(ds.items.ids[Int(block.items[k])])"
            out[key] = (block.ratings[k], block.timestamps.isEmpty ? 0 : block.timestamps[k])
        }
    }
    return out
}

/// Catches the DataError a body throws.
func dataError(_ body: () throws -> Void) -> DataError? {
    do { try body() } catch let e as DataError { return e } catch { return nil }
    return nil
}
