import Dispatch

/// Runs `body(lane)` for every lane below `lanes`: on the calling thread for one lane, on that
/// many threads otherwise. The trees share work out this way only where each lane writes its
/// own part and reads nothing another lane writes, so the result does not depend on `lanes`.
@inline(__always)
func inLanes(_ lanes: Int, _ body: @Sendable (Int) -> Void) {
    if lanes <= 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: lanes, execute: body) }
}

/// Lane `lane`'s share of `0 ..< count` in `lanes` contiguous parts.
@inline(__always)
func laneShare(_ lane: Int, of lanes: Int, _ count: Int) -> Range<Int> { count * lane / lanes ..< count * (lane + 1) / lanes }
