import Foundation

/// Runs a step on every box at once, one thread each (the work is waiting on ssh), and gives the
/// results in the boxes' order, or every box's failure at once.
enum Parallel {
    static func each<T: Sendable>(_ boxes: [ClusterHosts.Box], _ step: String,
                                  _ body: @escaping @Sendable (ClusterHosts.Box) throws -> T) throws -> [T] {
        let results = Results<T>(count: boxes.count)
        let group = DispatchGroup()
        for (i, box) in boxes.enumerated() {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    results.set(i, .success(try body(box)))
                } catch let failure as SSH.Failure {
                    results.set(i, .failure(failure))
                } catch {
                    results.set(i, .failure(SSH.Failure(box: box.name, step: step, message: "\(error)")))
                }
            }
        }
        group.wait()
        var values: [T] = []
        var failures: [SSH.Failure] = []
        for result in results.all() {
            switch result {
            case .success(let value): values.append(value)
            case .failure(let failure): failures.append(failure)
            }
        }
        if !failures.isEmpty { throw LaunchError(failures: failures) }
        return values
    }

    private final class Results<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<T, SSH.Failure>?]

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func set(_ i: Int, _ result: Result<T, SSH.Failure>) {
            lock.lock()
            slots[i] = result
            lock.unlock()
        }

        func all() -> [Result<T, SSH.Failure>] {
            lock.lock()
            defer { lock.unlock() }
            return slots.map { $0! }
        }
    }
}

/// One or more boxes failed a step: each named with what it said.
public struct LaunchError: Error, CustomStringConvertible, Sendable {
    public var failures: [SSH.Failure]

    public init(failures: [SSH.Failure]) { self.failures = failures }

    public var description: String {
        failures.count == 1 ? failures[0].description
            : "\(failures.count) boxes failed:\n" + failures.map { "  \($0.description)" }.joined(separator: "\n")
    }
}
