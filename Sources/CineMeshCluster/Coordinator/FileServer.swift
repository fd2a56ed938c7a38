import CineMeshData
#if canImport(Glibc)
import Glibc
#endif

/// Serves the byte ranges workers and model subscribers FETCH, by content hash. Only files the
/// coordinator has published (the shards and tables of submitted jobs' datasets, the models of its
/// store) can be read, so a peer cannot ask for arbitrary paths. Reads use `pread`
/// on demand: memory stays at one chunk however large the files are.
public final class FileServer {
    private var paths: [String: (path: String, bytes: UInt64)] = [:]
    private var descriptors: [String: Int32] = [:]
    public private(set) var bytesServed: UInt64 = 0

    public init() {}

    deinit {
        for fd in descriptors.values { close(fd) }
    }

    /// Makes the files of `dataset` servable under their manifest checksums.
    public func publish(_ dataset: Dataset) {
        for b in dataset.manifest.blocks {
            paths[b.xxh64] = (FileSystem.join(dataset.path, b.file), b.bytes)
        }
        for f in dataset.manifest.files {
            paths[f.xxh64] = (FileSystem.join(dataset.path, f.file), f.bytes)
        }
    }

    /// Makes one file servable under its content name `xxh64` (a model of the coordinator's store).
    public func publish(file path: String, xxh64: String, bytes: UInt64) {
        paths[xxh64] = (path, bytes)
    }

    /// Stops serving the file named `xxh64` (a pruned model).
    public func withdraw(_ xxh64: String) {
        paths[xxh64] = nil
        if let fd = descriptors.removeValue(forKey: xxh64) { close(fd) }
    }

    /// Bytes [offset, offset + length) of the file with checksum `xxh64`, at most `maxLength`.
    public func read(_ request: FetchBody, maxLength: Int) -> Result<Frame, ErrorBody> {
        guard let entry = paths[request.xxh64] else {
            return .failure(ErrorBody(code: "not-found", message: "no published file has xxh64 \(request.xxh64)"))
        }
        guard request.length > 0, request.length <= maxLength, request.offset < entry.bytes else {
            return .failure(ErrorBody(code: "bad-request", message: "range \(request.offset)+\(request.length) is outside the file or above \(maxLength) bytes"))
        }
        let fd: Int32
        if let open = descriptors[request.xxh64] {
            fd = open
        } else {
            fd = Glibc.open(entry.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                return .failure(ErrorBody(code: "unavailable", message: "\(entry.path): \(String(cString: strerror(errno)))"))
            }
            descriptors[request.xxh64] = fd
        }
        let length = Int(min(UInt64(request.length), entry.bytes - request.offset))
        var frame = Frame(repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = frame.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(request.offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                return .failure(ErrorBody(code: "unavailable", message: "\(entry.path): short read at \(request.offset + UInt64(done))"))
            }
            done += n
        }
        bytesServed += UInt64(length)
        return .success(frame)
    }
}
