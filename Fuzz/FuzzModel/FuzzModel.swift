import CineMeshData
import CineMeshModel
import FuzzSupport

/// `ModelFile.decode` on any bytes (`checkFileDecoder`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkFileDecoder(FuzzInput(data, size), "ModelFile.decode", decode: ModelFile.decode, encode: { try $0.encoded() })
    return 0
}
