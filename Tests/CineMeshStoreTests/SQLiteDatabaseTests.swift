import CineMeshData
import CineMeshStore
import GRDB
import Testing

/// The one way CineMesh opens SQLite: its settings, its error, and the model registry opened by it.
@Suite struct SQLiteDatabaseTests {
    func temp() -> String { "/tmp/cinemesh-sqlite-\(UInt32.random(in: 0 ... .max))" }

    @Test func opensWithWALFullSyncABusyTimeoutAndForeignKeysThenMigrates() throws {
        let dir = temp()
        try FileSystem.makeDirectories(dir)
        defer { FileSystem.removeTree(dir) }
        let db = try SQLiteDatabase.open(dir + "/t.sqlite", what: "test registry") { migrator in
            migrator.registerMigration("v1") { db in try db.create(table: "t") { $0.autoIncrementedPrimaryKey("id") } }
        }
        let pragmas = try db.read { db in
            try ["journal_mode", "synchronous", "foreign_keys", "busy_timeout"].map { try String.fetchOne(db, sql: "PRAGMA \($0)") }
        }
        #expect(pragmas == ["wal", "2", "1", String(Int(SQLiteDatabase.busyTimeout * 1000))])
        #expect(try db.read { try $0.tableExists("t") })
        // Reopened, a migration already applied does not run again.
        let again = try SQLiteDatabase.open(dir + "/t.sqlite", what: "test registry") { migrator in
            migrator.registerMigration("v1") { db in try db.create(table: "u") { $0.autoIncrementedPrimaryKey("id") } }
        }
        #expect(try again.read { try $0.tableExists("u") } == false)
    }

    @Test func aFileThatIsNotSQLiteIsADamagedErrorNamingIt() throws {
        let dir = temp()
        try FileSystem.makeDirectories(dir)
        defer { FileSystem.removeTree(dir) }
        let path = dir + "/t.sqlite"
        try AtomicFile.write(Array(repeating: 7, count: 4096), to: path)
        let error = dataErrorOf { _ = try SQLiteDatabase.open(path, what: "test registry") { _ in } }
        #expect(error?.kind == .damaged && error?.file == path)
        #expect(error?.message.hasPrefix("cannot open the test registry: ") == true)
    }

    @Test func theModelRegistryIsInWALMode() throws {
        let dir = temp()
        defer { FileSystem.removeTree(dir) }
        _ = try ModelStore(directory: dir)
        // SQLite's file header: bytes 18 and 19 (write and read format) are 2 in WAL mode.
        let header = try FileSystem.readAll(dir + "/" + ModelStore.registryName).prefix(20)
        #expect(Array(header.suffix(2)) == [2, 2])
    }
}
