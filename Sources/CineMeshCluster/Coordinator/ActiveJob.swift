/// A job the coordinator is running: its registry record (kept current in memory) and driver.
final class ActiveJob {
    var record: JobRecord
    let driver: any JobDriver
    let startedMilliseconds: UInt64

    init(record: JobRecord, driver: any JobDriver, now: UInt64) {
        self.record = record
        self.driver = driver
        startedMilliseconds = now
    }
}
