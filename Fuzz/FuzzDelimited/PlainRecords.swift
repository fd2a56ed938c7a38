/// What `DelimitedReader` must make of a file without quoting, worked out the plain way: a
/// UTF-8 byte-order mark skipped, records ended by LF (a CR before it dropped), blank lines
/// skipped but counted, fields split at every delimiter from left to right.
struct PlainRecords {
    /// One record: its 1-based line and its fields.
    struct Record: Equatable {
        var line: Int
        var fields: [[UInt8]]
    }

    /// Every record before the first one of `maxRecordBytes` bytes or more, which the reader
    /// refuses (it cannot tell the end of the file from a record longer than it keeps).
    var records: [Record] = []
    /// The line of the record too long, if there is one.
    var tooLongAt: Int?

    init(_ file: [UInt8], delimiter: [UInt8], maxRecordBytes: Int) {
        var at = file.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        while at < file.count {
            let end = file[at...].firstIndex(of: 0x0A) ?? file.count
            if end - at >= maxRecordBytes {
                tooLongAt = line
                return
            }
            var stop = end
            if stop > at && file[stop - 1] == 0x0D { stop -= 1 }
            if stop > at { records.append(Record(line: line, fields: Self.split(file[at ..< stop], delimiter))) }
            line += 1
            at = end + 1
        }
    }

    private static func split(_ record: ArraySlice<UInt8>, _ delimiter: [UInt8]) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var start = record.startIndex, i = record.startIndex
        while i < record.endIndex {
            if record[i...].starts(with: delimiter) {
                fields.append(Array(record[start ..< i]))
                i += delimiter.count
                start = i
            } else {
                i += 1
            }
        }
        fields.append(Array(record[start...]))
        return fields
    }
}
