/// The reader settings one input asks for, from its first byte: quoting (bit 0), the delimiter
/// (bits 1-2: tab, comma, MovieLens 1M's `::`, or MovieLens 100K's `|`), and a buffer of 8 to 1024 bytes (bits
/// 3-5) so that short inputs already cross buffer refills, compaction and growth; records may
/// grow to `maxRecordBytes`. The rest of the input is the file.
struct ReaderSettings {
    static let delimiters: [[UInt8]] = [[0x09], [0x2C], [0x3A, 0x3A], [0x7C]]
    static let maxRecordBytes = 4096

    let quoting: Bool
    let delimiter: [UInt8]
    let bufferSize: Int

    init(_ byte: UInt8) {
        quoting = byte & 1 != 0
        delimiter = Self.delimiters[Int(byte >> 1 & 3)]
        bufferSize = 8 << Int(byte >> 3 & 7)
    }
}
