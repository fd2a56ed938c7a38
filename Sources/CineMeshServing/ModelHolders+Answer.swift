import Hummingbird

extension ModelHolders {
    /// Runs `body` with the current model the request asks for (`?model=NAME`, else the first
    /// the gateway serves), turning errors into JSON answers (404 for a model it does not serve,
    /// 503 before the model is loaded). The model is read once, so a hot swap never changes it in
    /// the middle of an answer.
    func answer(_ request: Request, _ body: (ServingModel) throws -> Response) -> Response {
        do {
            return try model(for: request).answer(body)
        } catch {
            return error.response
        }
    }
}

extension ServingModel {
    /// Runs `body` with this model, turning errors into JSON answers (a `GatewayError` as it
    /// says, anything else a 500).
    func answer(_ body: (ServingModel) throws -> Response) -> Response {
        do {
            return try body(self)
        } catch let error as GatewayError {
            return error.response
        } catch {
            return GatewayError(.internalServerError, "internal", "\(error)").response
        }
    }
}
