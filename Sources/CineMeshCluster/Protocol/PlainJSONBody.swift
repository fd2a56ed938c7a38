import CineMeshData

/// A message body sent for every task (TASK, RESULT, FAILED), with a hand-written JSON form:
/// `JSONEncoder` and `JSONDecoder` took about 3% of all CPU time during distributed training,
/// most of the coordinator's and the workers' loop threads. The wire format is unchanged
/// (docs/PROTOCOL.md): the body is still a JSON object, and a receiver reads any valid JSON for it.
protocol PlainJSONBody: Codable {
    /// The body from its plainest JSON (what `write(to:)` makes of ASCII strings without escapes),
    /// or nil for anything else, which `Message.decode` then hands to `JSONDecoder` for the value
    /// or the error it would have given.
    init?(plainJSON scanner: inout StrictJSONScanner)

    /// Writes the body's fields.
    func write(to json: inout JSONObjectWriter)
}

extension StrictJSONScanner {
    /// An object's fields, keys read by `key` (given the key and its index among `keys`; nil or
    /// false: give up). Each key of `keys` at most once; other keys make it give up.
    mutating func fields(_ keys: [String], _ read: (inout StrictJSONScanner, Int) -> Bool) -> Bool {
        var seen: UInt64 = 0
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        repeat {
            guard let key = string(), let k = keys.firstIndex(of: key), seen & (1 << k) == 0, consume(UInt8(ascii: ":")),
                  read(&self, k) else { return false }
            seen |= 1 << k
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    /// An object of strings; nil at a repeated key.
    mutating func strings() -> [String: String]? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var result: [String: String] = [:]
        if consume(UInt8(ascii: "}")) { return result }
        repeat {
            guard let key = string(), consume(UInt8(ascii: ":")), let value = string(), result.updateValue(value, forKey: key) == nil
            else { return nil }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}")) ? result : nil
    }

    /// An integer that fits `T`.
    mutating func integer<T: FixedWidthInteger>(as _: T.Type) -> T? {
        integer().flatMap { T(exactly: $0) }
    }
}
