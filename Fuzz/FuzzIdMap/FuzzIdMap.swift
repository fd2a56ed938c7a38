import CineMeshData
import FuzzSupport

/// `IdMap.decode` on any bytes (`checkFileDecoder`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIdMap(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkFileDecoder(FuzzInput(data, size), "IdMap.decode", decode: IdMap.decode, encode: { $0.encoded() })
    return 0
}
