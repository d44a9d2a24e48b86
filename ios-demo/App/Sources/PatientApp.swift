import PatientKit
import SwiftUI

/// The patient's app: their goals, progress, steps and questionnaires on their own phone,
/// synced with their link worker's phone when they meet. All behaviour is in PatientKit; the
/// views only show its models and call them.
@main
struct PatientApp: App {
    @ViewModel private var app = PatientAppModel(
        provider: StoreProvider(directory: PatientApp.storeDirectory, keySupplier: KeychainKeys.key(for:)),
        connect: { address in try await StreamTransport.connect(to: address, using: NearbyConnection.open) }
    )

    var body: some Scene {
        WindowGroup {
            RootView(app: app)
                .task { await app.start() }
        }
    }

    /// Application Support, excluded from backups (the plan syncs back from the link worker).
    private static var storeDirectory: URL {
        var url = URL.applicationSupportDirectory
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? url.setResourceValues(values)
        return url
    }
}
