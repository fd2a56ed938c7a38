import CineMeshCluster
/// Which worker session holds which grid rows in distributed SGD: contiguous ranges of rows, as
/// even as the count allows, over the sessions in the order given (registration order). With the
/// cyclic strata of `StratifiedSchedule` a column's item rows then change workers only where its
/// sequence of rows crosses from one range into the next: about W times an epoch for W sessions,
/// whatever the grid. Placement never changes the numbers, only where they are computed.
enum RowPlacement {
    /// The session of each of `rows` grid rows (nil for every row when there is no session).
    static func contiguous(rows: Int, sessions: [String]) -> [String?] {
        guard !sessions.isEmpty else { return Array(repeating: nil, count: rows) }
        return (0 ..< rows).map { sessions[$0 * sessions.count / rows] }
    }

    /// Whether `placement` leaves out a session that `contiguous` would give rows to: a session
    /// that joined since (rows are worth moving to it) or, after one left, rows that are uneven.
    static func isStale(_ placement: [String?], sessions: [String]) -> Bool {
        !sessions.isEmpty && placement != contiguous(rows: placement.count, sessions: sessions)
    }
}
