// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The gateway's release build for one CPU family: `CINEMESH_TARGET_CPU=haswell swift build -c
/// release` (any LLVM CPU name: haswell for AVX2, znver4, skylake-avx512, ...) compiles the serving
/// library, whose top-N scoring is about 1.4x faster with AVX2; the binary then needs such a CPU.
/// Unset (the default), the build runs on any x86-64. Training code is never built for a CPU
/// family, so every worker computes the same bits: the lowering of vector code (the order of a
/// `SIMD.sum()`, say) may change with the instruction set.
let targetCPU: [String] = ProcessInfo.processInfo.environment["CINEMESH_TARGET_CPU"].map { ["-target-cpu", $0] } ?? []

/// The git commit `cinemesh version` names: `CINEMESH_COMMIT=$(git rev-parse --short=12 HEAD)
/// swift build ...`, as deploy/package.sh builds. Unset, or not a commit name (hex digits, with
/// "-dirty" after them at most), the binary says "unknown": a build from a tarball without .git
/// is as honest as one from a clone. An environment variable, not `git` run here, since SwiftPM
/// keeps an evaluated manifest until the manifest or the environment changes, never on a commit.
let commit: String = {
    let given = ProcessInfo.processInfo.environment["CINEMESH_COMMIT"] ?? ""
    let hex = given.hasSuffix("-dirty") ? String(given.dropLast("-dirty".count)) : given
    let valid = !hex.isEmpty && hex.count <= 40 && hex.allSatisfy { $0.isHexDigit }
    return valid ? given : "unknown"
}()

/// The libFuzzer targets (Fuzz/, docs/BENCHMARKS.md "Fuzzing"), declared only when
/// `CINEMESH_FUZZ` is set, so `swift build` and `swift build --build-tests` never build them.
/// `deploy/fuzz.sh` builds each one (`--product Fuzz...`) with libFuzzer and AddressSanitizer in
/// `.build-fuzz`. Each is an executable whose `main` is libFuzzer's: compiled as a library
/// (`-parse-as-library`), it defines only `LLVMFuzzerTestOneInput`.
let fuzzTargets: [Target] = ProcessInfo.processInfo.environment["CINEMESH_FUZZ"] == nil ? [] : [
    // What the targets share: checksum fix-ups, temporary files, frame splitting.
    .target(name: "FuzzSupport", dependencies: ["CineMeshData"], path: "Fuzz/FuzzSupport"),
] + [
    ("FuzzFrames", ["CineMeshCluster"]),
    ("FuzzBodies", ["CineMeshCluster", "CineMeshServing"]),
    ("FuzzShard", []),
    ("FuzzTable", []),
    ("FuzzIdMap", []),
    ("FuzzModel", ["CineMeshModel"]),
    ("FuzzDelimited", []),
].map { name, modules in
    .executableTarget(
        name: name,
        dependencies: (["FuzzSupport", "CineMeshData"] + modules).map { .target(name: $0) },
        path: "Fuzz/\(name)",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "cinemesh",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cinemesh", targets: ["cinemesh"]),
        .library(name: "CineMeshData", targets: ["CineMeshData"]),
        .library(name: "CineMeshModel", targets: ["CineMeshModel"]),
        .library(name: "CineMeshNumerics", targets: ["CineMeshNumerics"]),
        .library(name: "CineMeshStore", targets: ["CineMeshStore"]),
        .library(name: "CineMeshAnalytics", targets: ["CineMeshAnalytics"]),
        .library(name: "CineMeshCluster", targets: ["CineMeshCluster"]),
        .library(name: "CineMeshJobs", targets: ["CineMeshJobs"]),
        .library(name: "CineMeshServing", targets: ["CineMeshServing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // libzmq through pkg-config (Debian: libzmq3-dev). The cluster runtime builds on it.
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // A cache prefetch hint for memory-bound numerics loops (Swift has none of its own).
        .target(name: "CPrefetch"),
        // What a build knows of itself that Swift has no literal for: the git commit (`commit` above).
        .target(name: "CBuildInfo", cSettings: [.define("CINEMESH_COMMIT", to: "\"\(commit)\"")]),
        // Rating data: parsers, id maps, columnar tables, shard files, datasets, the generator.
        .target(
            name: "CineMeshData",
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // A trained model and what serving it needs: factors, the model file, top-N, fold-in.
        // Knows no trainer.
        // Its small types (factor rows, normal equations) sit in the trainers' hot loops, so its
        // bodies are offered to the modules that call them (cross-module optimization).
        .target(
            name: "CineMeshModel",
            dependencies: ["CineMeshData"],
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-cross-module-optimization"], .when(configuration: .release))]
        ),
        // The trainers: SGD and ALS kernels on one block, splits, metrics. No sockets.
        .target(
            name: "CineMeshNumerics",
            dependencies: ["CineMeshData", "CineMeshModel", "CPrefetch"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // The model store: versioned model files and their SQLite registry.
        .target(
            name: "CineMeshStore",
            dependencies: ["CineMeshModel", "CineMeshData", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Analytics kernels over rating blocks (per-block statistics with an exact merge). No sockets.
        .target(
            name: "CineMeshAnalytics",
            dependencies: ["CineMeshData"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // The cluster runtime: ZeroMQ transport, the wire protocol, coordinator, workers, shard
        // shipping, the job registry, configuration, logs and metrics. It moves bytes and
        // schedules tasks; what a task computes is CineMeshJobs'.
        .target(
            name: "CineMeshCluster",
            dependencies: [
                "CZeroMQ",
                "CineMeshData",
                "CineMeshStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // The job families, each a coordinator half (plans stages, merges results in block order)
        // and a worker half (task runners), registered with the runtime through `JobCatalog`.
        .target(
            name: "CineMeshJobs",
            dependencies: [
                "CineMeshCluster",
                "CineMeshData",
                "CineMeshAnalytics",
                "CineMeshModel",
                "CineMeshNumerics",
                "CineMeshStore",
            ]
        ),
        // `cinemesh cluster up|status|down`: a hosts file, the scripts run on each box over the
        // system's ssh, and the steps that install, key, configure and start a cluster.
        .target(
            name: "CineMeshLaunch",
            dependencies: ["CineMeshCluster", "CineMeshData"]
        ),
        // The gateway: models ready to serve, hot swaps from the model store, the HTTP API.
        .target(
            name: "CineMeshServing",
            dependencies: [
                "CineMeshData",
                "CineMeshModel",
                "CineMeshStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"] + targetCPU, .when(configuration: .release))]
        ),
        // The one executable: argument parsing and wiring only.
        .executableTarget(
            name: "cinemesh",
            dependencies: [
                "CineMeshData",
                "CineMeshModel",
                "CineMeshNumerics",
                "CineMeshStore",
                "CineMeshAnalytics",
                "CineMeshCluster",
                "CineMeshJobs",
                "CineMeshServing",
                "CineMeshLaunch",
                "CZeroMQ",
                "CBuildInfo",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "CZeroMQTests", dependencies: ["CZeroMQ"]),
        .testTarget(name: "CineMeshDataTests", dependencies: ["CineMeshData"]),
        .testTarget(name: "CineMeshModelTests", dependencies: ["CineMeshModel", "CineMeshNumerics", "CineMeshData"]),
        .testTarget(name: "CineMeshNumericsTests", dependencies: ["CineMeshNumerics", "CineMeshModel", "CineMeshData"]),
        .testTarget(
            name: "CineMeshStoreTests",
            dependencies: ["CineMeshStore", "CineMeshModel", "CineMeshNumerics", "CineMeshData", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "CineMeshAnalyticsTests", dependencies: ["CineMeshAnalytics", "CineMeshData"]),
        .testTarget(name: "CineMeshClusterTests", dependencies: ["CineMeshCluster", "CineMeshData", "CZeroMQ", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "CineMeshJobsTests", dependencies: ["CineMeshJobs", "CineMeshCluster", "CineMeshAnalytics", "CineMeshModel", "CineMeshNumerics", "CineMeshData"]),
        .testTarget(name: "CineMeshServingTests", dependencies: ["CineMeshServing", "CineMeshModel", "CineMeshNumerics", "CineMeshData"]),
        .testTarget(name: "CineMeshLaunchTests", dependencies: ["CineMeshLaunch", "CineMeshCluster", "CineMeshData"]),
        .testTarget(name: "CineMeshCLITests", dependencies: ["cinemesh", "CineMeshData", "CineMeshCluster", "CineMeshJobs", "CineMeshAnalytics", "CineMeshStore", "CineMeshModel", "CineMeshNumerics"]),
    ] + fuzzTargets
)
