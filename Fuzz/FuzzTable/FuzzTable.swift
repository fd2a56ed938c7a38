import CineMeshData
import FuzzSupport

/// `ColumnTable.decode` on any bytes (`checkFileDecoder`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTable(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkFileDecoder(FuzzInput(data, size), "ColumnTable.decode", decode: ColumnTable.decode, encode: { $0.encoded() })
    return 0
}
