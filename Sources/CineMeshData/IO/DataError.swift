/// Every failure the data library reports: each names the file and, where there is one, the line,
/// so a user can go straight to the problem.
public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, in a stable machine-readable form.
    public enum Kind: String, Sendable, Codable {
        case io, emptyFile, binaryFile, badRow, damaged, versionMismatch, usage
    }

    public let kind: Kind
    /// The file concerned, as the user named it, or empty when none applies.
    public let file: String
    /// 1-based line number, or nil when the error concerns the file as a whole.
    public let line: Int?
    /// For `.badRow`, the reason (the same names `--on-bad-row skip` counts by).
    public let reason: BadRowReason?
    public let message: String

    public init(_ kind: Kind, file: String = "", line: Int? = nil, reason: BadRowReason? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.reason = reason
        self.message = message
    }

    /// `file:line: message`, `file: message` or `message`.
    public var description: String {
        switch (file.isEmpty, line) {
        case (true, _): return message
        case (false, nil): return "\(file): \(message)"
        case (false, let l?): return "\(file):\(l): \(message)"
        }
    }
}

/// Why a row was rejected; the raw values are the names used in reports and `--on-bad-row skip` counts.
public enum BadRowReason: String, Sendable, Codable, CaseIterable, Comparable {
    case fieldCount = "field-count"
    case missingId = "missing-id"
    case ratingNotNumeric = "rating-not-numeric"
    case ratingOutOfScale = "rating-out-of-scale"
    case badTimestamp = "bad-timestamp"
    case badQuoting = "bad-quoting"
    case duplicate = "duplicate"
    case orphanRating = "orphan-rating"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
