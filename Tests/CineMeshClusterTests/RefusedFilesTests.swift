@testable import CineMeshCluster
import Testing

/// When a subscriber fetches a refused model file again: made-up clocks, no sockets.
@Suite struct RefusedFilesTests {
    @Test func aRefusedFileIsFetchedAgainAfterAWaitThatDoublesThenGivenUp() {
        var refused = RefusedFiles(initial: 1000, maximum: 4000, retries: 3)
        #expect(refused.mayFetch("a", now: 0))
        #expect(refused.refuse("a", now: 0) == 1000)
        #expect(!refused.mayFetch("a", now: 999) && refused.mayFetch("a", now: 1000))
        #expect(refused.refuse("a", now: 1000) == 3000)
        #expect(refused.refuse("a", now: 3000) == 7000)
        #expect(!refused.mayFetch("a", now: 6999) && refused.mayFetch("a", now: 7000))
        // The fourth refusal (wait capped at 4 s) is one too many: given up until a newer version.
        #expect(refused.refuse("a", now: 7000) == nil)
        #expect(!refused.mayFetch("a", now: 1_000_000))
        #expect(refused.mayFetch("b", now: 7000), "other files are not held back")
    }

    @Test func aFileThatInstallsIsForgiven() {
        var refused = RefusedFiles(initial: 1000, maximum: 4000, retries: 1)
        _ = refused.refuse("a", now: 0)
        refused.accepted("a")
        #expect(refused.mayFetch("a", now: 0))
        #expect(refused.refuse("a", now: 0) == 1000)
    }
}
