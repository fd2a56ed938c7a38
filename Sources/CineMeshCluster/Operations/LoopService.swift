import Foundation
import ServiceLifecycle

/// Runs a blocking loop (a coordinator's or a worker's) on its own thread as a lifecycle
/// `Service`: graceful shutdown (SIGTERM, SIGINT) calls `stop`, and `run()` returns once the loop
/// has finished, so the process exits only after the loop said goodbye to its peers.
public struct LoopService: Service {
    let name: String
    let loop: @Sendable () -> Void
    let stop: @Sendable () -> Void

    public init(name: String, loop: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void) {
        self.name = name
        self.loop = loop
        self.stop = stop
    }

    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        loop()
                        done.resume()
                    }
                    thread.name = name
                    thread.start()
                }
            } onGracefulShutdown: {
                stop()
            }
        } onCancel: {
            stop()
        }
    }
}
