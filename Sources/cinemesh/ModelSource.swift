import CineMeshData
import CineMeshModel
import CineMeshNumerics
import CineMeshStore

/// Opens a model given as a file or as a model store directory (newest version unless `version`).
enum ModelSource {
    static func open(_ path: String, version: Int?) throws -> ModelFile {
        if FileSystem.isDirectory(path) {
            return try ModelStore(directory: path).load(version: version).1
        }
        if version != nil { throw DataError(.usage, file: path, "--version applies to a model store directory, not a model file") }
        return try ModelFile.read(path)
    }
}
