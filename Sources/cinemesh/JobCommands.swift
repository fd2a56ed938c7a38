import ArgumentParser
import CineMeshCluster
import CineMeshData
import Foundation

struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the cluster's jobs, newest first, from the coordinator's registry.")

    @Option(help: "How many jobs.")
    var limit = 20

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            let records = try client.client().jobs(limit: max(1, limit))
            if json {
                print(String(decoding: try JSON.encode(records), as: UTF8.self), terminator: "")
                return
            }
            guard !records.isEmpty else { print("no jobs yet"); return }
            print(JobView.header())
            for r in records { print(JobView.row(r)) }
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one job: state, stage, tasks, timing, result or error.")

    @Argument(help: "Job id.")
    var job: Int64

    @Flag(help: "Follow with a live progress line (stage, done/total, elapsed, ETA, metrics) until the job ends.")
    var follow = false

    @Flag(help: "Print the job record as JSON.")
    var json = false

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            let c = try client.client()
            let record = follow ? try JobView.follow(job, client: c) : try c.status(job)
            if json {
                print(String(decoding: try JSON.encode(record), as: UTF8.self), terminator: "")
            } else {
                print(JobView.detail(record))
            }
        }
    }
}

struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a running job.")

    @Argument(help: "Job id.")
    var job: Int64

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            let record = try client.client().cancel(job)
            print("job \(record.id): \(record.state.rawValue)")
        }
    }
}

struct Workers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the workers the coordinator considers alive.")

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var client: ClientOptions

    func run() throws {
        try reportingErrors {
            let workers = try client.client().workers()
            if json {
                print(String(decoding: try JSON.encode(workers), as: UTF8.self), terminator: "")
                return
            }
            guard !workers.isEmpty else { print("no workers registered"); return }
            print("  " + Terminal.pad("worker", 22) + Terminal.pad("host", 16) + Terminal.pad("key", 12) + Terminal.pad("pid", 8) + Terminal.pad("cores", 6)
                  + Terminal.pad("memory", 10) + Terminal.pad("disk free", 11) + Terminal.pad("tasks", 7) + Terminal.pad("silent", 9) + "activity")
            for w in workers {
                print("  " + Terminal.pad(w.workerId, 22) + Terminal.pad(w.host, 16) + Terminal.pad(w.key ?? "-", 12) + Terminal.pad(String(w.pid), 8)
                      + Terminal.pad(String(w.capacity.cores), 6) + Terminal.pad(gib(w.capacity.memoryBytes), 10)
                      + Terminal.pad(gib(w.capacity.diskFreeBytes), 11) + Terminal.pad(String(w.tasksDone), 7)
                      + Terminal.pad("\(w.silentMilliseconds) ms", 9) + w.activity)
            }
        }
    }

    private func gib(_ bytes: UInt64) -> String { Terminal.fixed(Double(bytes) / Double(1 << 30), 1) + " GiB" }
}
