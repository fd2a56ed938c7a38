/// A job the coordinator is running: its registry record (kept current in memory) and driver.
final class ActiveJob {
    var record: JobRecord
    let driver: any JobDriver

    init(record: JobRecord, driver: any JobDriver) {
        self.record = record
        self.driver = driver
    }
}
