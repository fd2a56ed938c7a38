import CineMeshData

/// The fields that name a task attempt, first in TASK, RESULT and FAILED bodies alike.
private struct AttemptFields {
    static let keys = ["job", "task", "attempt"]
    var job: Int64?
    var task: Int?
    var attempt: Int?

    /// Reads the value of `keys[k]`; false when it is not one the hand reader takes.
    mutating func read(_ k: Int, _ s: inout StrictJSONScanner) -> Bool {
        switch k {
        case 0: job = s.integer(); return job != nil
        case 1: task = s.integer(as: Int.self); return task != nil
        default: attempt = s.integer(as: Int.self); return attempt != nil
        }
    }

    static func write(job: Int64, task: Int, attempt: Int, to json: inout JSONObjectWriter) {
        json.field("job", job)
        json.field("task", task)
        json.field("attempt", attempt)
    }
}

extension TaskBody: PlainJSONBody {
    private static let keys = AttemptFields.keys + ["kind", "stage", "parameters", "files", "priority"]

    init?(plainJSON s: inout StrictJSONScanner) {
        var id = AttemptFields(), kind: String?, stage: String?, parameters: [String: String]?, files: [FileRef]?, priority: Int?
        let read = s.fields(Self.keys) { s, k in
            switch k {
            case 0 ..< 3: return id.read(k, &s)
            case 3: kind = s.string(); return kind != nil
            case 4: stage = s.string(); return stage != nil
            case 5: parameters = s.strings(); return parameters != nil
            case 6: files = s.fileRefs(); return files != nil
            default:
                if s.consumeNull() { return true }
                priority = s.integer(as: Int.self); return priority != nil
            }
        }
        guard read, let job = id.job, let task = id.task, let attempt = id.attempt, let kind, let stage, let parameters, let files else { return nil }
        self.init(job: job, task: task, attempt: attempt, kind: kind, stage: stage, parameters: parameters, files: files, priority: priority)
    }

    func write(to json: inout JSONObjectWriter) {
        AttemptFields.write(job: job, task: task, attempt: attempt, to: &json)
        json.field("kind", kind)
        json.field("stage", stage)
        json.field("parameters", parameters)
        json.field("files", objects: files) { json, file in
            json.field("xxh64", file.xxh64)
            json.field("bytes", file.bytes)
            json.field("name", file.name)
        }
        if let priority { json.field("priority", priority) }
    }
}

extension ResultBody: PlainJSONBody {
    private static let keys = AttemptFields.keys + ["output", "seconds"]

    init?(plainJSON s: inout StrictJSONScanner) {
        var id = AttemptFields(), output: [String: String]?, seconds: Double?
        let read = s.fields(Self.keys) { s, k in
            switch k {
            case 0 ..< 3: return id.read(k, &s)
            case 3: output = s.strings(); return output != nil
            default: seconds = s.double(); return seconds != nil
            }
        }
        guard read, let job = id.job, let task = id.task, let attempt = id.attempt, let output, let seconds else { return nil }
        self.init(job: job, task: task, attempt: attempt, output: output, seconds: seconds)
    }

    func write(to json: inout JSONObjectWriter) {
        AttemptFields.write(job: job, task: task, attempt: attempt, to: &json)
        json.field("output", output)
        json.field("seconds", seconds)
    }
}

extension FailedBody: PlainJSONBody {
    private static let keys = AttemptFields.keys + ["message", "retryable", "notReady"]

    init?(plainJSON s: inout StrictJSONScanner) {
        var id = AttemptFields(), message: String?, retryable: Bool?, notReady: Bool?
        let read = s.fields(Self.keys) { s, k in
            switch k {
            case 0 ..< 3: return id.read(k, &s)
            case 3: message = s.string(); return message != nil
            case 4: retryable = s.boolean(); return retryable != nil
            default: notReady = s.boolean(); return notReady != nil
            }
        }
        guard read, let job = id.job, let task = id.task, let attempt = id.attempt, let message, let retryable else { return nil }
        self.init(job: job, task: task, attempt: attempt, message: message, retryable: retryable)
        self.notReady = notReady
    }

    func write(to json: inout JSONObjectWriter) {
        AttemptFields.write(job: job, task: task, attempt: attempt, to: &json)
        json.field("message", message)
        json.field("retryable", retryable)
        if let notReady { json.field("notReady", notReady) }
    }
}

extension StrictJSONScanner {
    /// `[{"xxh64": ..., "bytes": ..., "name": ...}, ...]`, keys in any order.
    fileprivate mutating func fileRefs() -> [FileRef]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var refs: [FileRef] = []
        if consume(UInt8(ascii: "]")) { return refs }
        repeat {
            var xxh64: String?, bytes: UInt64?, name: String?
            let read = fields(["xxh64", "bytes", "name"]) { s, k in
                switch k {
                case 0: xxh64 = s.string(); return xxh64 != nil
                case 1: bytes = s.integer(as: UInt64.self); return bytes != nil
                default: name = s.string(); return name != nil
                }
            }
            guard read, let xxh64, let bytes, let name else { return nil }
            refs.append(FileRef(xxh64: xxh64, bytes: bytes, name: name))
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]")) ? refs : nil
    }
}
