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
    /// First occurrence of each reason.
    private(set) var examples: [BadRowReason: DataError] = [:]

    init(policy: BadRowPolicy) { self.policy = policy }

    /// Throws under `.fail`, counts under `.skip`.
    mutating func reject(_ reason: BadRowReason, file: String, line: Int, _ message: @autoclosure () -> String) throws {
        let error = policy == .fail || examples[reason] == nil
            ? DataError(.badRow, file: file, line: line, reason: reason, message()) : nil
        if policy == .fail { throw error! }
        counts[reason, default: 0] += 1
        if let error { examples[reason] = error }
    }

    /// Adds the counts of a ledger that covered later input, its line numbers shifted by `lines`.
    mutating func absorb(_ later: BadRowLedger, lineShift lines: Int) {
        for (reason, n) in later.counts { counts[reason, default: 0] += n }
        for (reason, e) in later.examples where examples[reason] == nil { examples[reason] = e.shifted(by: lines) }
    }
}

extension DataError {
    /// The same error with its line number moved by `lines`.
    func shifted(by lines: Int) -> DataError {
        DataError(kind, file: file, line: line.map { $0 + lines }, reason: reason, message)
    }
}
