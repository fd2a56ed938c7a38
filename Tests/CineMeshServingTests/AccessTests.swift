@testable import CineMeshServing
import Testing

@Suite struct AccessTests {
    @Test func eachClientGetsItsBurstThenItsRate() {
        let limiter = RateLimiter(perSecond: 4, burst: 3)
        for _ in 0 ..< 3 { #expect(limiter.take("a", now: 100) == nil) }
        let wait = limiter.take("a", now: 100)
        #expect(wait.map { $0 == 0.25 } == true)
        // Another client is not held back by the first.
        #expect(limiter.take("b", now: 100) == nil)
        // A quarter of a second buys one request, never more than the burst.
        #expect(limiter.take("a", now: 100.25) == nil)
        #expect(limiter.take("a", now: 100.25) != nil)
        for _ in 0 ..< 3 { #expect(limiter.take("a", now: 1000) == nil) }
        #expect(limiter.take("a", now: 1000) != nil)
    }

    @Test func idleClientsAreForgottenWhenTheTableFills() {
        let limiter = RateLimiter(perSecond: 1, burst: 1, sweepAt: 100)
        for i in 0 ..< 100 { #expect(limiter.take("10.0.0.\(i)", now: 0) == nil) }
        #expect(limiter.clients == 100)
        // Long after, the old buckets are full again and go at the next new client.
        #expect(limiter.take("10.0.1.1", now: 50) == nil)
        #expect(limiter.clients == 1)
    }

    @Test func tokensCompareByContentOnly() {
        #expect(AccessMiddleware.equalInConstantTime(Array("secret-token-123".utf8), Array("secret-token-123".utf8)))
        #expect(!AccessMiddleware.equalInConstantTime(Array("secret-token-124".utf8), Array("secret-token-123".utf8)))
        #expect(!AccessMiddleware.equalInConstantTime(Array("secret".utf8), Array("secret-token-123".utf8)))
        #expect(GatewayAccess.needsToken("/v1/query") && GatewayAccess.needsToken("/v1/admin/reload"))
        #expect(!GatewayAccess.needsToken("/v1/popular"))
    }
}
