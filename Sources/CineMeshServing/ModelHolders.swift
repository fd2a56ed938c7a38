import Hummingbird

/// The models a gateway serves: one holder per model name it follows, the first the default. A
/// request picks another with `?model=NAME`.
public struct ModelHolders: Sendable {
    public let all: [ModelHolder]

    /// `holders` must not be empty.
    public init(_ holders: [ModelHolder]) {
        precondition(!holders.isEmpty, "a gateway serves at least one model")
        all = holders
    }

    /// The default holder: the first name given, or the only one.
    public var first: ModelHolder { all[0] }

    /// The names served (those known yet).
    public var names: [String] { all.compactMap(\.name) }

    /// The loaded model `request` asks for: 404 for a name the gateway does not serve, 503 before
    /// that model is loaded.
    func model(for request: Request) throws(GatewayError) -> ServingModel {
        var holder = first
        if let wanted = request.uri.queryParameters.get("model") {
            guard let named = all.first(where: { $0.name == wanted }) else {
                throw GatewayError(.notFound, "unknown-model",
                                   "this gateway serves no model '\(wanted)' (it serves: \(names.joined(separator: ", ")))")
            }
            holder = named
        }
        guard let model = holder.current else { throw GatewayError(.serviceUnavailable, "not-ready", "no model loaded yet") }
        return model
    }
}
