// swift-tools-version: 6.1
// Morph: unpaired face-attribute translation by homomorphic latent-space interpolation.
// Modules depend downwards only:
//   morph → MorphPipeline → MorphModels → MorphNN → MorphTensor
//   beside them: MorphImaging (libvips via CVips), MorphCatalog (GRDB, swift-crypto), CBLAS (OpenBLAS).
//   MorphServer (`morph serve`, Hummingbird 2) sits above MorphPipeline, below morph.
import PackageDescription

import class Foundation.ProcessInfo

/// Heavy kernels are compiled with optimisation even in debug builds, so tests stay fast.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
  name: "Morph",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "morph", targets: ["morph"])
  ],
  dependencies: [
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    // `morph serve`. No default traits: swift-configuration is not used, and leaving it out
    // keeps it out of the build.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
  ],
  targets: [
    // MARK: - C libraries
    .systemLibrary(
      name: "CLibVips", path: "Sources/CLibVips", pkgConfig: "vips",
      providers: [.apt(["libvips-dev"])]),
    // CVips also decodes plain JPEGs with libjpeg-turbo directly (libvips-dev depends on
    // libjpeg-dev, so no new package): see Sources/CVips/include/cvips_jpeg.h.
    .target(
      name: "CVips", dependencies: ["CLibVips"], path: "Sources/CVips", cSettings: kernelFlags,
      linkerSettings: [.linkedLibrary("jpeg")]),
    .systemLibrary(
      name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .target(name: "CMorphKernels", path: "Sources/CMorphKernels", cSettings: kernelFlags),
    // Open MPI, loaded with dlopen at run time: building needs no MPI package (docs/scale-out-mpi.md).
    .target(name: "CMorphMPI", path: "Sources/CMorphMPI", linkerSettings: [.linkedLibrary("dl")]),

    // MARK: - Library modules
    .target(name: "MorphTensor", dependencies: ["CBLAS", "CMorphKernels"]),
    .target(name: "MorphNN", dependencies: ["MorphTensor"]),
    .target(name: "MorphImaging", dependencies: ["CVips", "MorphTensor"]),
    // GRDBSQLite: the SQLite C API itself, for the progress handler that bounds user SQL.
    .target(
      name: "MorphCatalog",
      dependencies: [
        .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    // MorphModels reads labelled datasets (CelebA annotations) with MorphCatalog's readers.
    .target(name: "MorphModels", dependencies: ["MorphNN", "MorphTensor", "MorphImaging", "MorphCatalog"]),
    // Data-parallel training over MPI: the DataParallelGroup of MorphNN on Open MPI.
    .target(name: "MorphDistributed", dependencies: ["CMorphMPI", "MorphNN"], swiftSettings: [.swiftLanguageMode(.v6)]),
    .target(
      name: "MorphPipeline",
      dependencies: [
        "MorphModels", "MorphImaging", "MorphCatalog", "MorphNN", "MorphTensor",
        .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
      ]),

    // The local viewer: request handling without a socket (ServeAPI) plus a thin Hummingbird
    // adapter; page assets are embedded strings, so the binary carries them. Swift 6 mode.
    .target(
      name: "MorphServer",
      dependencies: [
        "MorphPipeline", "MorphModels", "MorphImaging", "MorphCatalog", "MorphTensor",
        .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]),

    // MARK: - CLI
    .executableTarget(
      name: "morph",
      dependencies: [
        "MorphServer", "MorphPipeline", "MorphModels", "MorphImaging", "MorphCatalog", "MorphNN", "MorphTensor",
        "MorphDistributed",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),

    // MARK: - Tests
    .testTarget(name: "MorphTensorTests", dependencies: ["MorphTensor"]),
    .testTarget(name: "MorphNNTests", dependencies: ["MorphNN", "MorphTensor"]),
    .testTarget(name: "MorphImagingTests", dependencies: ["MorphImaging", "MorphTensor"]),
    .testTarget(
      name: "MorphCatalogTests", dependencies: ["MorphCatalog", .product(name: "Crypto", package: "swift-crypto")]),
    .testTarget(name: "MorphModelsTests", dependencies: ["MorphModels", "MorphNN", "MorphTensor", "MorphImaging"]),
    .testTarget(
      name: "MorphPipelineTests",
      dependencies: [
        "MorphPipeline", "MorphImaging", "MorphCatalog", "MorphModels", .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .testTarget(name: "MorphCLITests", dependencies: []),
    .testTarget(
      name: "MorphServerTests", dependencies: ["MorphServer", "MorphPipeline", "MorphModels", "MorphImaging", "MorphCatalog", "MorphTensor"]),
    .testTarget(name: "MorphDistributedTests", dependencies: ["MorphDistributed", "MorphModels", "MorphNN", "MorphTensor"]),
  ],
  swiftLanguageModes: [.v5]
)

// MARK: - Fuzzing (make fuzz)

// libFuzzer targets over the readers of outside input. libFuzzer supplies `main`, so this
// executable exists only when MORPH_FUZZ=1 (make fuzz, in its own .build-fuzz with
// `--sanitize fuzzer --sanitize address`): `make test` and `make build` never see it.
if ProcessInfo.processInfo.environment["MORPH_FUZZ"] == "1" {
  package.products.append(.executable(name: "morph-fuzz", targets: ["MorphFuzz"]))
  package.targets.append(
    .executableTarget(
      name: "MorphFuzz", dependencies: ["MorphPipeline", "MorphCatalog", "MorphNN", "MorphImaging"],
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
