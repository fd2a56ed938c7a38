@testable import CineMeshCluster
import CZeroMQ
import Foundation
import Testing

/// Frames sent without a copy and messages moved on without a copy, over real sockets.
@Suite struct ZeroCopyTests {
    func pair(_ context: ZMQContext) throws -> (push: ZMQSocket, pull: ZMQSocket) {
        let pull = try ZMQSocket(context, .pull)
        let endpoint = "inproc://zero-copy-\(UInt64.random(in: 0 ... .max))"
        try pull.bind(endpoint)
        let push = try ZMQSocket(context, .push)
        try push.connect(endpoint)
        return (push, pull)
    }

    func receive(_ socket: ZMQSocket) throws -> [Frame] {
        for _ in 0 ..< 500 {
            if let frames = try socket.receive(dontWait: true) { return frames }
            usleep(2000)
        }
        throw ZMQError("nothing arrived")
    }

    /// A large frame is read from the array's storage after the sender let go of its array, and
    /// arrives intact beside small frames sent the usual way.
    @Test func largeFramesArriveIntactAfterTheSenderDropsThem() throws {
        let context = try ZMQContext()
        let (push, pull) = try pair(context)
        var expected: [[Frame]] = []
        for n in 0 ..< 20 {
            var big = Frame(repeating: 0, count: ZMQSocket.zeroCopyBytes + n * 4099)
            for i in big.indices { big[i] = UInt8(truncatingIfNeeded: i &* 31 &+ n) }
            let message: [Frame] = [[UInt8(n)], big, Array("small".utf8), big.reversed()]
            expected.append(message)
            try push.send(message)
        }
        for message in expected { #expect(try receive(pull) == message) }
    }

    /// `forward` moves a message on, less its first frames, after `decide` has seen copies of the
    /// first ones; a message `decide` refuses goes nowhere.
    @Test func forwardMovesMessagesOnAndDropsRefusedOnes() throws {
        let context = try ZMQContext()
        let (inPush, inPull) = try pair(context)
        let (outPush, outPull) = try pair(context)
        let big = Frame((0 ..< 200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try inPush.send([[1], Array("keep".utf8), big])
        try inPush.send([[0], Array("drop".utf8)])
        try inPush.send([[1], Array("last".utf8)])
        var seen: [[Frame]] = []
        for _ in 0 ..< 3 {
            var moved: Bool?
            for _ in 0 ..< 500 where moved == nil {
                moved = try inPull.forward(to: outPush, inspect: 2, drop: 1) { frames in
                    seen.append(frames)
                    return frames[0] == [1]
                }
                if moved == nil { usleep(2000) }
            }
            #expect(moved != nil)
        }
        #expect(seen == [[[1], Array("keep".utf8)], [[0], Array("drop".utf8)], [[1], Array("last".utf8)]])
        #expect(try receive(outPull) == [Array("keep".utf8), big])
        #expect(try receive(outPull) == [Array("last".utf8)])
        #expect(try inPull.forward(to: outPush, inspect: 1, drop: 0) { _ in true } == nil, "nothing waiting")
    }
}
