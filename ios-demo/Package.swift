// swift-tools-version:5.9
// The patient's demo: `PatientKit` (all behaviour: observable models, async/await, no SwiftUI or
// UIKit), the `patient-demo` command line, and the XCTest suite `PatientKitTests`. The SwiftUI
// app in App/ is not part of this package: it is an Xcode target that depends on PatientKit.
//
// The LinkWork bindings are two targets of this package, filled in before building (git-ignored):
//   Linux (tests/swift/run.sh stages them from the library it just built):
//     Sources/LinkWorkFFI/{LinkWorkFFI.h, LinkWorkCoreFFI.h, module.modulemap}   C module of the FFI
//     Sources/LinkWork/{LinkWork.swift, LinkWorkCore.swift}   Swift module `LinkWork`
//     lib/liblinkwork_ffi.so                                   the Rust cdylib
//   Apple platforms (copied from `bash scripts/bindings/build-ios.sh`, see README.md):
//     LinkWorkFFI.xcframework
//     Sources/LinkWork/{LinkWork.swift, LinkWorkCore.swift}
// tools-version 5.9 on purpose, like tests/swift: Swift 6 language mode crashes Debian's
// swift 6.0.3 on uniffi async foreign traits (shared/recipes/swift-linux.md, pitfall 6).
import PackageDescription
import Foundation

#if os(Linux)
let libDir = ProcessInfo.processInfo.environment["LINKWORK_LIB_DIR"] ?? (Context.packageDirectory + "/lib")
let ffiTarget: Target = .systemLibrary(name: "LinkWorkFFI", path: "Sources/LinkWorkFFI")
let ffiLinker: [LinkerSetting] = [
    .linkedLibrary("linkwork_ffi"),
    .unsafeFlags(["-L\(libDir)", "-Xlinker", "-rpath", "-Xlinker", libDir]),
]
#else
let ffiTarget: Target = .binaryTarget(name: "LinkWorkFFI", path: "LinkWorkFFI.xcframework")
let ffiLinker: [LinkerSetting] = []
#endif

let package = Package(
    name: "PatientDemo",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "PatientKit", targets: ["PatientKit"]),
        .library(name: "LinkWork", targets: ["LinkWork"]), // the app names the bindings' types too
        .executable(name: "patient-demo", targets: ["patient-demo"]),
    ],
    targets: [
        ffiTarget,
        .target(name: "LinkWork", dependencies: ["LinkWorkFFI"], path: "Sources/LinkWork",
                linkerSettings: ffiLinker),
        .target(name: "PatientKit", dependencies: ["LinkWork"], path: "Sources/PatientKit"),
        .executableTarget(name: "patient-demo", dependencies: ["PatientKit", "LinkWork"],
                          path: "Sources/patient-demo"),
        .testTarget(name: "PatientKitTests", dependencies: ["PatientKit", "LinkWork"],
                    path: "Tests/PatientKitTests"),
    ]
)
