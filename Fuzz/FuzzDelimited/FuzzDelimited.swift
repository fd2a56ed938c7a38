import CineMeshData
import FuzzSupport

private let scratch = ScratchFile("delimited")

/// `DelimitedReader` on a file of any bytes, with the settings the first byte picks
/// (`ReaderSettings`): records or a `DataError`, never a crash or a read outside the buffer
/// (the build has AddressSanitizer). Without quoting, the records and fields must be exactly
/// `PlainRecords`'; in every mode, the byte count and checksum at the end are the file's.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDelimited(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let settings = ReaderSettings(data[0])
    let file = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    scratch.write(file)
    var records: [PlainRecords.Record] = []
    var refused: DataError?
    var reader: DelimitedReader?
    do {
        let r = try DelimitedReader(path: scratch.path, delimiter: settings.delimiter, quoting: settings.quoting,
                                    bufferSize: settings.bufferSize, maxRecordBytes: ReaderSettings.maxRecordBytes)
        reader = r
        loop: while true {
            switch try r.next() {
            case .endOfFile: break loop
            case .malformed(let why): precondition(settings.quoting, "malformed without quoting: \(why)")
            case .record: records.append(.init(line: r.line, fields: (0 ..< r.fieldCount).map { Array(r.field($0)) }))
            }
        }
        precondition(r.bytesRead == UInt64(file.count) && r.hasher.finalize() == XXHash64.hash(file),
                     "read \(r.bytesRead) of \(file.count) bytes, or a checksum not the file's")
    } catch let error as DataError {
        refused = error
    } catch {
        fatalError("DelimitedReader threw \(type(of: error)), not a DataError: \(error)")
    }
    guard !settings.quoting else { return 0 }
    let expected = PlainRecords(file, delimiter: settings.delimiter, maxRecordBytes: ReaderSettings.maxRecordBytes)
    guard reader != nil else {
        // Refused at the start: empty, or a NUL in the first buffer.
        let firstBuffer = file.prefix(settings.bufferSize)
        precondition(file.isEmpty ? refused?.kind == .emptyFile : firstBuffer.contains(0) && refused?.kind == .binaryFile,
                     "refused at open: \(refused.map { "\($0)" } ?? "?")")
        return 0
    }
    precondition(records == expected.records, "records \(records) differ from \(expected.records)")
    precondition(refused?.line == expected.tooLongAt && (refused == nil || refused?.kind == .badRow),
                 "refused \(refused.map { "\($0)" } ?? "nothing"), expected a record too long at line \(expected.tooLongAt ?? 0)")
    return 0
}
