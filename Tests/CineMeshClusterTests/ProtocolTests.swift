@testable import CineMeshCluster
import Testing

@Suite struct ProtocolTests {
    @Test func headerIsSignatureVersionCommand() {
        #expect(WireHeader(.task).bytes == Array("CMSH".utf8) + [2, 0x04])
    }

    @Test func messagesRoundTripWithRawPayload() throws {
        let body = TaskBody(job: 7, task: 3, attempt: 9, kind: "k", stage: "s", parameters: ["a": "b"],
                            files: [FileRef(xxh64: "00112233aabbccdd", bytes: 42, name: "f")])
        let payload: [Frame] = [[1, 2, 3], [], Array(repeating: 0xFF, count: 1000)]
        let m = try Message(frames: Message(.task, body, payload: payload).frames)
        #expect(m.command == .task)
        #expect(try m.decode(TaskBody.self) == body)
        #expect(m.payload == payload)
    }

    @Test func refusesOtherProtocolsVersionsAndCommands() {
        #expect(throws: ProtocolError.notCineMesh) { try Message(frames: [Array("GET / HTTP/1.1".utf8)]) }
        #expect(throws: ProtocolError.notCineMesh) { try Message(frames: []) }
        #expect(throws: ProtocolError.versionMismatch(theirs: 1)) { try Message(frames: [Array("CMSH".utf8) + [1, 0x01], []]) }
        #expect(throws: ProtocolError.unknownCommand(0x77)) { try Message(frames: [Array("CMSH".utf8) + [2, 0x77], []]) }
        #expect(throws: ProtocolError.malformed(.ready, "no body frame")) { try Message(frames: [WireHeader(.ready).bytes]) }
    }

    @Test func anErrorFromAnotherVersionIsStillReadable() throws {
        let frames: [Frame] = [Array("CMSH".utf8) + [9, Command.error.rawValue], Array(#"{"code":"x","message":"y"}"#.utf8)]
        let m = try Message(frames: frames)
        #expect(try m.decode(ErrorBody.self) == ErrorBody(code: "x", message: "y"))
        #expect(m.version == 9)
    }

    @Test func aRefusalForGoodSaysWhichProtocolEachSideSpeaks() throws {
        let mismatch = ErrorBody(code: "version-mismatch", message: ProtocolError.versionMismatch(theirs: 2).description)
        let refusal = try #require(Refusal(mismatch, coordinatorProtocol: 3))
        #expect(refusal.explanation(peer: "worker", coordinator: "tcp://c:7700") ==
            "the coordinator at tcp://c:7700 speaks protocol 3, this worker speaks 2: install the same CineMesh version on both (cinemesh version shows it)")
        let wrong = try #require(Refusal(ErrorBody(code: "wrong-endpoint", message: "this is the coordinator's clients endpoint"), coordinatorProtocol: 2))
        #expect(wrong.isWrongEndpoint)
        #expect(wrong.explanation(peer: "gateway", coordinator: "tcp://c:7700") ==
            "the coordinator at tcp://c:7700 refused this gateway: this is the coordinator's clients endpoint")
        // Errors a retry may get past are no refusal.
        #expect(Refusal(ErrorBody(code: "malformed", message: "m"), coordinatorProtocol: 2) == nil)
    }

    @Test func badBodiesNameTheField() {
        let m = Message(.fetch, body: Array(#"{"xxh64":"ab","offset":1}"#.utf8))
        #expect(throws: ProtocolError.malformed(.fetch, "body lacks field 'length'")) { try m.decode(FetchBody.self) }
        let t = Message(.fetch, body: Array(#"{"xxh64":"ab","offset":"x","length":1}"#.utf8))
        #expect(throws: ProtocolError.malformed(.fetch, "field 'offset' has the wrong type")) { try t.decode(FetchBody.self) }
        let g = Message(.fetch, body: Array("\u{0}\u{1}garbage".utf8))
        #expect(throws: ProtocolError.malformed(.fetch, "body is not valid JSON")) { try g.decode(FetchBody.self) }
    }

    @Test func aBodyJSONCannotCarryIsAnErrorNotAnEmptyBody() {
        // A job's metrics with a NaN (a diverged model): JSON has no NaN.
        #expect(throws: EncodingError.self) { try Message(.reply, ["rmse": Double.nan]) }
        #expect(throws: Never.self) { try Message(.reply, ["rmse": 0.9]) }
    }

    @Test func commandCodesAreUniqueAndErrorIsPinned() {
        #expect(Set(Command.allCases.map(\.rawValue)).count == Command.allCases.count)
        #expect(Command.error.rawValue == 0x0A)
    }
}
