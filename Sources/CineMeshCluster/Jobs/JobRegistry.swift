import CineMeshData
import CineMeshStore
import Foundation
import GRDB

/// The coordinator's durable job history: `jobs.sqlite` in its state directory (opened by
/// `SQLiteDatabase`, as the model registry is: WAL, synchronous FULL), one row per job and one row
/// per state change. Jobs a coordinator left queued or running stay so, for the next coordinator
/// on the same state directory to take up (`unfinished()`).
public final class JobRegistry: Sendable {
    public static let fileName = "jobs.sqlite"
    private let db: DatabaseQueue
    public let path: String

    public init(directory: String) throws {
        try FileSystem.makeDirectories(directory)
        path = FileSystem.join(directory, Self.fileName)
        db = try SQLiteDatabase.open(path, what: "job registry") { migrator in
            migrator.registerMigration("v1") { db in
                try db.create(table: "job") { t in
                    t.autoIncrementedPrimaryKey("id")
                    t.column("record", .text).notNull()
                    t.column("state", .text).notNull()
                }
                try db.create(table: "job_event") { t in
                    t.autoIncrementedPrimaryKey("seq")
                    t.column("job_id", .integer).notNull().indexed()
                    t.column("at", .double).notNull()
                    t.column("state", .text).notNull()
                    t.column("detail", .text).notNull()
                }
            }
        }
    }

    /// The jobs a previous coordinator left queued or running, oldest first: a coordinator takes
    /// them up again when it starts.
    public func unfinished() throws -> [JobRecord] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT record FROM job WHERE state IN ('queued', 'running') ORDER BY id").map { try Self.decode($0["record"]) }
        }
    }

    /// Stores a new job and returns its record with the id assigned.
    public func insert(_ spec: JobSpec, now: Double) throws -> JobRecord {
        try db.write { db in
            try db.execute(sql: "INSERT INTO job (record, state) VALUES ('', 'queued')")
            let record = JobRecord(id: db.lastInsertedRowID, spec: spec, submittedAt: now)
            try Self.save(record, db)
            try Self.event(record.id, now, .queued, "submitted: \(spec.type) on \(spec.dataset)", db)
            return record
        }
    }

    /// Saves `record`; with `event`, also logs a state change.
    public func update(_ record: JobRecord, event: String? = nil, now: Double) throws {
        try db.write { db in
            try Self.save(record, db)
            if let event { try Self.event(record.id, now, record.state, event, db) }
        }
    }

    public func job(_ id: Int64) throws -> JobRecord? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT record FROM job WHERE id = ?", arguments: [id]).map { try Self.decode($0["record"]) }
        }
    }

    /// The newest `limit` jobs, newest first.
    public func jobs(limit: Int = 50) throws -> [JobRecord] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT record FROM job ORDER BY id DESC LIMIT ?", arguments: [limit]).map { try Self.decode($0["record"]) }
        }
    }

    /// A job's state changes, oldest first.
    public func events(_ id: Int64) throws -> [(at: Double, state: JobState, detail: String)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT at, state, detail FROM job_event WHERE job_id = ? ORDER BY seq", arguments: [id]).map {
                (at: $0["at"], state: JobState(rawValue: $0["state"]) ?? .failed, detail: $0["detail"])
            }
        }
    }

    private static func save(_ record: JobRecord, _ db: Database) throws {
        let json = String(decoding: try JSON.encode(record), as: UTF8.self)
        try db.execute(sql: "UPDATE job SET record = ?, state = ? WHERE id = ?", arguments: [json, record.state.rawValue, record.id])
    }

    private static func event(_ id: Int64, _ at: Double, _ state: JobState, _ detail: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO job_event (job_id, at, state, detail) VALUES (?, ?, ?, ?)",
                       arguments: [id, at, state.rawValue, detail])
    }

    private static func decode(_ text: String) throws -> JobRecord {
        try JSONDecoder().decode(JobRecord.self, from: Data(text.utf8))
    }
}
