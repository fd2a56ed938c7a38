import CineMeshData
import Foundation
import GRDB

/// How CineMesh opens its SQLite files, the model registry and the coordinator's job registry, so
/// both get the same settings from one place:
///
/// - `journal_mode = WAL`: readers never block the writer, nor the writer them;
/// - `synchronous = FULL`: a committed transaction survives a power cut, not just a crash;
/// - a busy timeout of `busyTimeout` seconds: another process holding the write lock (a CLI reading
///   a running coordinator's store, say) is waited for instead of failing at once;
/// - foreign keys enforced.
package enum SQLiteDatabase {
    /// Seconds a connection waits for another's lock before `SQLITE_BUSY`.
    package static let busyTimeout: TimeInterval = 5

    /// Opens (creating it if needed) the database at `path` with the settings above and applies
    /// `migrations` (registered on a fresh migrator, run in order, each once). A SQLite failure is a
    /// `.damaged` `DataError` naming the file: `cannot open the <what>: <SQLite's message>`.
    package static func open(_ path: String, what: String,
                             migrations: (inout DatabaseMigrator) -> Void) throws -> DatabaseQueue {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            let db = try DatabaseQueue(path: path, configuration: config)
            var migrator = DatabaseMigrator()
            migrations(&migrator)
            try migrator.migrate(db)
            return db
        } catch let error as DatabaseError {
            throw DataError(.damaged, file: path, "cannot open the \(what): \(error.message ?? "\(error)")")
        }
    }
}
