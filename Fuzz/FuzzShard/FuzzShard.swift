import CineMeshData
import FuzzSupport

private let scratch = ScratchFile("shard")

/// `ShardFile.read` and `readHeader` on a file of any bytes, as stored and with a valid checksum
/// trailer (shards are read from a path only, streamed into the columns): a block or a
/// `DataError`, and reading without timestamps gives the same ratings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShard(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    for bytes in [input.bytes, input.withValidChecksum].compactMap({ $0 }) {
        scratch.write(bytes)
        _ = refusedOrRead("ShardFile.readHeader") { try ShardFile.readHeader(scratch.path) }
        guard let block = refusedOrRead("ShardFile.read", { try ShardFile.read(scratch.path) }) else { continue }
        let bare = try! ShardFile.read(scratch.path, includeTimestamps: false)
        precondition(bare.users == block.users && bare.items == block.items && bare.ratings == block.ratings && bare.timestamps.isEmpty,
                     "a shard read without timestamps differs")
    }
    return 0
}
