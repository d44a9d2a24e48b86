// swift-tools-version:5.9
// Test package for the uniffi Swift bindings. tests/swift/run.sh stages the generated
// files (git-ignored) before building:
//   Sources/LinkWorkFFI/{LinkWorkFFI.h, LinkWorkCoreFFI.h, module.modulemap}   C module of the FFI
//   Sources/LinkWork/{LinkWork.swift, LinkWorkCore.swift}                      Swift module `LinkWork`
//   lib/liblinkwork_ffi.so                                           the Rust cdylib
//   Sources/GettingStarted/*.swift    the ```swift sample blocks of docs/getting-started-ios.md
// tools-version 5.9 on purpose: Swift 6 language mode crashes Debian's swift 6.0.3 on
// uniffi async foreign traits (shared/recipes/swift-linux.md, pitfall 6).
import PackageDescription
import Foundation

let libDir = ProcessInfo.processInfo.environment["LINKWORK_LIB_DIR"] ?? (Context.packageDirectory + "/lib")

let package = Package(
    name: "LinkWork",
    products: [.library(name: "LinkWork", targets: ["LinkWork"])],
    targets: [
        .systemLibrary(name: "LinkWorkFFI", path: "Sources/LinkWorkFFI"),
        .target(
            name: "LinkWork",
            dependencies: ["LinkWorkFFI"],
            path: "Sources/LinkWork",
            linkerSettings: [
                .linkedLibrary("linkwork_ffi"),
                .unsafeFlags(["-L\(libDir)", "-Xlinker", "-rpath", "-Xlinker", libDir]),
            ]
        ),
        // The samples of docs/getting-started-ios.md, extracted by run.sh (git-ignored).
        .target(name: "GettingStarted", dependencies: ["LinkWork"], path: "Sources/GettingStarted"),
        .testTarget(name: "LinkWorkTests", dependencies: ["LinkWork", "GettingStarted"], path: "Tests/LinkWorkTests"),
    ]
)
