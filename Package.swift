// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cinemesh",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cinemesh", targets: ["cinemesh"]),
        .library(name: "CineMeshData", targets: ["CineMeshData"]),
        .library(name: "CineMeshNumerics", targets: ["CineMeshNumerics"]),
        .library(name: "CineMeshStore", targets: ["CineMeshStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // libzmq through pkg-config (Debian: libzmq3-dev). The cluster runtime builds on it.
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // Rating data: parsers, id maps, columnar tables, shard files, datasets, the generator.
        .target(
            name: "CineMeshData",
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // Recommender math: factor models, SGD and ALS kernels on one block, metrics. No sockets.
        .target(
            name: "CineMeshNumerics",
            dependencies: ["CineMeshData"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // The model store: versioned model files and their SQLite registry.
        .target(
            name: "CineMeshStore",
            dependencies: ["CineMeshNumerics", "CineMeshData", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The one executable: argument parsing and wiring only.
        .executableTarget(
            name: "cinemesh",
            dependencies: [
                "CineMeshData",
                "CineMeshNumerics",
                "CineMeshStore",
                "CZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CZeroMQTests", dependencies: ["CZeroMQ"]),
        .testTarget(name: "CineMeshDataTests", dependencies: ["CineMeshData"]),
        .testTarget(name: "CineMeshNumericsTests", dependencies: ["CineMeshNumerics", "CineMeshData"]),
        .testTarget(name: "CineMeshStoreTests", dependencies: ["CineMeshStore", "CineMeshNumerics", "CineMeshData"]),
        .testTarget(name: "CineMeshCLITests", dependencies: ["cinemesh", "CineMeshData"]),
    ]
)
