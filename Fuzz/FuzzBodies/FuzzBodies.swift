@testable import CineMeshCluster
import CineMeshData
@testable import CineMeshServing
import Foundation
import FuzzSupport

/// The hand-written JSON readers on any body text: TASK, RESULT and FAILED (`PlainJSONBody`) and
/// the gateway's fold-in request. The first byte picks the reader, the rest is the body. Whatever
/// a hand reader accepts, `JSONDecoder` must read as the same value (their documented promise);
/// the rest goes to `JSONDecoder` for its value or its error, as in production.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBodies(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 4 {
    case 0: compare(TaskBody.self, body)
    case 1: compare(ResultBody.self, body)
    case 2: compare(FailedBody.self, body)
    default: compareFoldIn(body)
    }
    return 0
}

private func compare<Body: PlainJSONBody & Equatable>(_ type: Body.Type, _ body: [UInt8]) {
    let message = Message(.task, body: body)
    let hand = body.withUnsafeBytes { raw -> Body? in
        var scanner = StrictJSONScanner(raw)
        guard let value = Body(plainJSON: &scanner), scanner.atEnd() else { return nil }
        return value
    }
    let decoded = try? message.decode(type)
    guard let hand else { return }
    let foundation = try? message.decodeWithFoundation(type)
    precondition(foundation == hand && decoded == hand,
                 "\(type) read by hand as \(hand), by JSONDecoder as \(foundation.map { "\($0)" } ?? "an error")")
}

private func compareFoldIn(_ body: [UInt8]) {
    typealias Request = RecommendationController.FoldInRequest
    guard let hand = Request(plainJSON: Data(body)) else {
        _ = try? RequestBody.parse(Request.self, Data(body))
        return
    }
    let foundation = try? JSONDecoder().decode(Request.self, from: Data(body))
    precondition(foundation == hand, "a fold-in body read by hand as \(hand), by JSONDecoder as \(foundation.map { "\($0)" } ?? "an error")")
}
