// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tradectl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tradectl", targets: ["tradectl"]),
        .library(name: "TradeKit", targets: ["TradeKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // zstd archives: compressed by libzstd directly, with bounded multithreaded jobs.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // SMTP for the email notifier; libcurl4 is already loaded by FoundationNetworking.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CLinux"),
        .target(
            name: "TradeKit",
            dependencies: [
                "CSystemd",
                "CArchive",
                "CZstd",
                "CCurl",
                "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "tradectl",
            dependencies: [
                "TradeKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Real S3 (moto) and SSH servers on loopback, for the off-site tests and the DR drill.
        .target(name: "OffsiteTestServers", path: "Tests/OffsiteTestServers"),
        .testTarget(
            name: "TradeKitTests",
            dependencies: ["TradeKit", "OffsiteTestServers", .product(name: "Logging", package: "swift-log")],
            // The SMTP server of the email tests, run with python3 from the source tree.
            exclude: ["Support/smtp_receiver.py"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TradeKit", "OffsiteTestServers"]
        ),
        // Drives scripts/booted-systemd.sh and the installed binary through processes only.
        .testTarget(name: "SystemScopeTests", dependencies: []),
    ]
)
