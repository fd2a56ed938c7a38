/// The checks every target of a checksummed file format makes (id maps, tables, models): the
/// decoder reads the input as stored and with a valid checksum trailer (`withValidChecksum`),
/// giving a value or a `DataError`, and a value it reads encodes to bytes that read back to the
/// same bytes.
public func checkFileDecoder<Value>(_ input: FuzzInput, _ what: String, decode: ([UInt8], String) throws -> Value,
                                    encode: (Value) throws -> [UInt8]) {
    for bytes in [input.bytes, input.withValidChecksum].compactMap({ $0 }) {
        guard let value = refusedOrRead(what, { try decode(bytes, "fuzz-input") }) else { continue }
        let encoded = try! encode(value)
        precondition(try! encode(decode(encoded, "re-encoded")) == encoded, "\(what): a value does not read back as it was written")
    }
}
