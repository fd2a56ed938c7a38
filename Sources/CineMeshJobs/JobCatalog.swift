import CineMeshCluster

/// The job families this build ships, as the cluster runtime takes them: the coordinator's job
/// types and the workers' task runners. A new family adds its `JobType` and its runners here.
public enum JobCatalog {
    /// Every job type the coordinator accepts.
    public static let types: [JobType] = [StatsJob.type, SVDTrainingJob.type, TuneJob.type, QueryJob.type]

    /// Every task runner a worker has.
    public static let runners = TaskRunners(
        runners: [StatsBlockTask.kind: StatsJob.runner,
                  SVDBlockTask.kind: SVDTrainingJob.blockRunner, SVDCollectTask.kind: SVDTrainingJob.collectRunner,
                  SVDScoreTask.kind: SVDTrainingJob.scoreRunner,
                  ALSRowsTask.kind: ALSTrainingJob.runner, BaselineRowsTask.kind: BaselineTrainingJob.runner,
                  NMFBlockTask.kind: NMFTrainingJob.runner, KNNRowsTask.kind: KNNTrainingJob.runner,
                  TuneTrialTask.kind: TuneJob.runner, QueryBlockTask.kind: QueryJob.runner],
        background: [SVDScoreTask.kind],
        forget: { job in job.map(SVDMemory.end(job:)) ?? SVDMemory.removeAll() })
}
