import Hummingbird
import NIOCore

/// The gateway's request context: Hummingbird's core storage and the client's address, which the
/// per-client rate limit (`AccessMiddleware`) counts by.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
