import CineMeshData
#if canImport(Glibc)
import Glibc
#endif

extension ClusterClient {
    /// Downloads a file the coordinator serves (a published model, say) to `path` on this box,
    /// through the same checksummed FETCH / CHUNK transfer workers and gateways use
    /// (docs/PROTOCOL.md, "File transfer"): at most `window` chunks of `chunkBytes` in flight, the
    /// whole file verified against `ref`'s XXH64 before it replaces `path` atomically. A transfer
    /// that fails, stalls for the client timeout or arrives damaged leaves nothing at `path`.
    public func download(_ ref: FileRef, to path: String, chunkBytes: Int, window: Int) throws {
        let partial = path + ".partial"
        let fetch = try FileFetch(ref, partialPath: partial, chunkBytes: chunkBytes, window: window)
        let (socket, monitor) = try connect()
        defer { close(socket, monitor) }
        func sendRequests() throws {
            for request in fetch.requests() { try socket.send(Message(.fetch, request).frames) }
        }
        try sendRequests()
        var deadline = MonotonicClock.milliseconds() + UInt64(timeoutMilliseconds)
        while !fetch.verified {
            guard let reply = try receive(on: socket, monitor: monitor, before: deadline) else {
                throw Failure(code: "timeout", message: "the download of \(ref.name) from \(endpoint) stalled at \(fetch.received) of \(ref.bytes) bytes")
            }
            switch reply.command {
            case .chunk:
                let chunk = try reply.decode(ChunkBody.self)
                guard chunk.xxh64 == ref.xxh64 else { continue }
                if let error = chunk.error { throw Failure(code: "unavailable", message: "the coordinator cannot serve \(ref.name): \(error)") }
                guard reply.payload.count == 1 else { throw Failure(code: "malformed", message: "a CHUNK of \(ref.name) without its bytes") }
                if try !fetch.accept(offset: chunk.offset, bytes: reply.payload[0]) { try sendRequests() }
                deadline = MonotonicClock.milliseconds() + UInt64(timeoutMilliseconds)
            case .error:
                let body = try? reply.decode(ErrorBody.self)
                throw Failure(code: body?.code ?? "error", message: body?.message ?? "the coordinator refused the download")
            default:
                throw Failure(code: "malformed", message: "unexpected \(reply.command) during a download")
            }
        }
        try FileSystem.rename(partial, path)
        try FileSystem.syncDirectory(FileSystem.parent(of: path))
    }
}
