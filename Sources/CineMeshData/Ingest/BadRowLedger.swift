/// What to do with a row that cannot be read.
public enum BadRowPolicy: String, Sendable, Codable, CaseIterable {
    /// Stop with `file:line: what is wrong`; nothing is written.
    case fail
    /// Skip the row, count it by reason, and report the counts (and the first example of each).
    case skip
}

/// Applies the bad-row policy and keeps the counts.
struct BadRowLedger {
    let policy: BadRowPolicy
    private(set) var counts: [BadRowReason: Int] = [:]
    /// First occurrence of each reason, as `file:line: message`.
    private(set) var examples: [BadRowReason: String] = [:]

    init(policy: BadRowPolicy) { self.policy = policy }

    /// Throws under `.fail`, counts under `.skip`.
    mutating func reject(_ reason: BadRowReason, file: String, line: Int, _ message: @autoclosure () -> String) throws {
        let error = policy == .fail || examples[reason] == nil
            ? DataError(.badRow, file: file, line: line, reason: reason, message()) : nil
        if policy == .fail { throw error! }
        counts[reason, default: 0] += 1
        if let error { examples[reason] = error.description }
    }
}
