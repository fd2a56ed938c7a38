import CineMeshData
@testable import CineMeshCluster
import Foundation
import Testing

/// TASK, RESULT and FAILED bodies are written and read by hand (`PlainJSONBody`). What the
/// writer makes must be valid JSON that `JSONDecoder` reads back as the same body, and whatever
/// text the hand reader accepts, it must read exactly as `JSONDecoder` does; the rest goes to
/// `JSONDecoder`, value or error.
@Suite struct PlainJSONBodyTests {
    /// Generated bodies: with `plain`, only what the hand reader takes (printable ASCII without
    /// quotes or backslashes, integers of at most 18 digits, normal numbers); otherwise anything.
    struct Bodies {
        let plain: Bool

        /// What a string can hold: quotes, backslashes, control characters, slashes, accents, emoji.
        func text(_ rng: inout SeededRandom) -> String {
            if plain { return "v\(rng.below(1_000_000))-0x1.\(rng.below(999))p-\(rng.below(20)) /b" }
            return switch rng.below(10) {
            case 0: "say \"hi\" \\ back"
            case 1: "line\nnext\ttab\u{1}\u{1F}end"
            case 2: "caf\u{E9} \u{1F3AC} /path/x"
            case 3: ""
            default: "v\(rng.below(1_000_000))-0x1.\(rng.below(999))p-\(rng.below(20))"
            }
        }

        func integer(_ rng: inout SeededRandom) -> Int {
            [0, 1, -1, rng.below(1_000_000), -rng.below(1000), 1 << 40, Int.max, Int.min][rng.below(plain ? 6 : 8)]
        }

        func taskBody(_ rng: inout SeededRandom) -> TaskBody {
            var parameters: [String: String] = [:]
            for _ in 0 ..< rng.below(25) { parameters[text(&rng)] = text(&rng) }
            let files = (0 ..< rng.below(3)).map { _ in
                FileRef(xxh64: String(rng.next(), radix: 16), bytes: [0, 42, rng.next() >> 20, UInt64.max][rng.below(plain ? 3 : 4)], name: text(&rng))
            }
            return TaskBody(job: Int64(integer(&rng)), task: integer(&rng), attempt: integer(&rng), kind: text(&rng), stage: text(&rng),
                            parameters: parameters, files: files, priority: rng.below(3) == 0 ? nil : integer(&rng))
        }

        func resultBody(_ rng: inout SeededRandom) -> ResultBody {
            var output: [String: String] = [:]
            for _ in 0 ..< rng.below(12) { output[text(&rng)] = text(&rng) }
            let seconds = [0, 0.1, 1e-300, rng.uniform() * 10, -2.5, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude][rng.below(plain ? 5 : 7)]
            return ResultBody(job: Int64(integer(&rng)), task: integer(&rng), attempt: integer(&rng), output: output, seconds: seconds)
        }

        func failedBody(_ rng: inout SeededRandom) -> FailedBody {
            FailedBody(job: Int64(integer(&rng)), task: integer(&rng), attempt: integer(&rng), message: text(&rng), retryable: rng.below(2) == 0)
        }
    }

    func written<B: PlainJSONBody>(_ body: B) -> [UInt8] { Message(.task, body).body }

    func handRead<B: PlainJSONBody>(_ type: B.Type, _ bytes: [UInt8]) -> B? {
        bytes.withUnsafeBytes { raw in
            var s = StrictJSONScanner(raw)
            guard let value = B(plainJSON: &s), s.atEnd() else { return nil }
            return value
        }
    }

    @Test(arguments: [false, true]) func whatTheWriterMakesJSONDecoderReadsBackAndSoDoesTheHandReader(plainOnly: Bool) throws {
        var rng = SeededRandom(seed: plainOnly ? 6 : 5)
        let generator = Bodies(plain: plainOnly)
        for _ in 0 ..< 400 {
            let task = generator.taskBody(&rng), result = generator.resultBody(&rng), failed = generator.failedBody(&rng)
            #expect(try JSONDecoder().decode(TaskBody.self, from: Data(written(task))) == task)
            #expect(try JSONDecoder().decode(ResultBody.self, from: Data(written(result))) == result)
            #expect(try JSONDecoder().decode(FailedBody.self, from: Data(written(failed))) == failed)
            let read = [handRead(TaskBody.self, written(task)).map { $0 == task }, handRead(ResultBody.self, written(result)).map { $0 == result },
                        handRead(FailedBody.self, written(failed)).map { $0 == failed }]
            // What the hand reader reads is the body; plain bodies it always reads.
            #expect(read.allSatisfy { $0 != false })
            if plainOnly { #expect(read == [true, true, true], "\(task) \(result) \(failed)") }
        }
    }

    @Test func aTaskAsTheCoordinatorSendsItTakesTheHandReader() throws {
        let body = TaskBody(job: 3, task: 17, attempt: 40, kind: "svd-block", stage: "sgd",
                            parameters: ["row": "3", "mean": "0x1.c3p+1", "users": "resident", "keep_snapshots": "4,5"],
                            files: [FileRef(xxh64: "00112233aabbccdd", bytes: 1 << 20, name: "blocks/r3-c4.bin")], priority: 1 << 40)
        #expect(handRead(TaskBody.self, written(body)) == body)
        #expect(handRead(ResultBody.self, written(ResultBody(job: 3, task: 17, attempt: 40, output: ["loss": "0x1.8p+3"], seconds: 0.0123))) != nil)
    }

    /// JSON texts of a TASK body as other writers may send them: spacing, any key order, nulls,
    /// keys missing, repeated or unknown, numbers with fractions or out of range, wrong types.
    func taskText(_ rng: inout SeededRandom) -> String {
        func space() -> String { ["", "", " ", "\n  ", "\t", " \r\n "][rng.below(6)] }
        func string() -> String { ["\"plain\"", "\"a\\\"b\"", "\"\\u0041\"", "\"caf\u{E9}\"", "\"\"", "\"x\\/y\""][rng.below(6)] }
        func number() -> String {
            ["7", "-3", "0", "1.0", "1e2", "99999999999999999999", "9223372036854775807", "-9223372036854775808", "\"5\"", "null", "true"][rng.below(11)]
        }
        var fields = [
            "\"job\":\(space())\(number())", "\"task\":\(number())", "\"attempt\":\(space())\(number())",
            "\"kind\":\(space())\(rng.below(15) == 0 ? "3" : string())", "\"stage\":\(string())",
            "\"parameters\":\(space()){" + (0 ..< rng.below(4)).map { _ in "\(string()):\(space())\(rng.below(15) == 0 ? "1" : string())" }
                .joined(separator: ",\(space())") + "}",
            "\"files\":[" + (0 ..< rng.below(3)).map { _ in
                var f = ["\"xxh64\":\(string())", "\"bytes\":\(number())", "\"name\":\(string())"]
                if rng.below(10) == 0 { f.removeLast() }
                if rng.below(10) == 0 { f.append("\"extra\":[1,{\"a\":null}]") }
                if rng.below(2) == 0 { f.reverse() }
                return "{\(space())" + f.joined(separator: ",") + "}"
            }.joined(separator: ",\(space())") + "]",
        ]
        if rng.below(2) == 0 { fields.append("\"priority\":\(space())\(number())") }
        if rng.below(12) == 0 { fields.remove(at: rng.below(fields.count)) }
        if rng.below(12) == 0 { fields.append(fields[rng.below(fields.count)]) }
        if rng.below(12) == 0 { fields.append("\"unknown\":\(space())\"x\"") }
        for i in fields.indices.reversed() where rng.below(2) == 0 { fields.swapAt(i, rng.below(i + 1)) }
        return "\(space()){\(space())" + fields.joined(separator: ",\(space())") + "\(space())}\(space())" + (rng.below(30) == 0 ? "x" : "")
    }

    @Test func anyTaskTextDecodesAsJSONDecoderDecodesIt() {
        var rng = SeededRandom(seed: 11)
        var decoded = 0
        for _ in 0 ..< 3000 {
            let message = Message(.task, body: Array(taskText(&rng).utf8))
            let expected = Result { () throws(ProtocolError) in try message.decodeWithFoundation(TaskBody.self) }
            let got = Result { () throws(ProtocolError) in try message.decode(TaskBody.self) }
            #expect(got == expected, "\(String(decoding: message.body, as: UTF8.self))")
            if case .success = got { decoded += 1 }
        }
        // The generator makes valid bodies as well as broken ones.
        #expect(decoded > 200)
    }
}
