import CineMeshData

/// A file kind whose whole content is encoded to bytes and decoded from them, with the checksum
/// trailer and header checks inside `encoded()` / `decode(_:file:)`: model files of every kind.
/// It gives them one way to be written (atomically) and read.
public protocol SelfContainedFile {
    /// The file bytes.
    func encoded() throws -> [UInt8]
    /// Decodes and verifies a file's bytes; every failure is a `DataError` naming `file`.
    static func decode(_ bytes: [UInt8], file: String) throws -> Self
}

extension SelfContainedFile {
    /// Writes the file atomically (a temporary file renamed into place).
    public func write(to path: String) throws {
        try AtomicFile.write(try encoded(), to: path)
    }

    /// Reads and verifies the file at `path`.
    public static func read(_ path: String) throws -> Self {
        try decode(try FileSystem.readAll(path), file: path)
    }
}
