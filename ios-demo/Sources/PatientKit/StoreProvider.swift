import Foundation
import LinkWork

/// Creates and opens the store files of this app: the one place that knows how a store is
/// opened, so a change in how stores open (encryption keys, ...) is made here only.
///
/// Every store is encrypted with a 32-byte key from `keySupplier`: on the phone, a random key
/// kept in the iOS Keychain (App/KeychainKeys.swift); in the command line and the tests, random
/// bytes held in memory. A store opened with another key throws `LinkWorkError.wrongKey`.
public struct StoreProvider: Sendable {
    /// Returns the 32-byte key of the store file named `name`, creating it on first use.
    public typealias KeySupplier = @Sendable (_ name: String) throws -> Data

    /// The directory the store files live in.
    public let directory: URL
    private let keySupplier: KeySupplier

    /// A provider for stores in `directory`, keyed by `keySupplier`.
    public init(directory: URL, keySupplier: @escaping KeySupplier) {
        self.directory = directory
        self.keySupplier = keySupplier
    }

    /// A provider whose keys are random and live only as long as the provider (command line,
    /// tests): each store name gets its own key the first time it is asked for.
    public static func ephemeral(directory: URL) -> StoreProvider {
        let keys = EphemeralKeys()
        return StoreProvider(directory: directory) { name in keys.key(for: name) }
    }

    /// The path of the store file named `name`.
    public func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Whether the store file named `name` exists.
    public func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: path(name))
    }

    /// Opens the patient's own store `name`, or returns nil when the phone has none yet (it is
    /// created when the person pairs with their link worker, see `createPairedPatientStore`).
    /// Blocks on disk I/O.
    public func openPatientStore(_ name: String) throws -> LinkWorkStore? {
        guard exists(name) else { return nil }
        return try open(name)
    }

    /// Creates an unenrolled patient's store `name` for `personId`, acting as `user` (tests of
    /// what an unenrolled store gets; the app pairs with `createPairedPatientStore`). Blocks on
    /// disk I/O.
    /// Throws `LinkWorkError.conflict` when it already exists.
    public func createPatientStore(_ name: String, user: String, personId: String) throws -> LinkWorkStore {
        try create(name, user: user, role: .patient, personId: personId)
    }

    /// Creates the patient's own store `name` from the pairing offer their link worker's phone
    /// shows (`payload`) once the person confirmed `code`: the store belongs to the offer's person
    /// and is enrolled with a certificate for that person only, made on this phone. Blocks on
    /// disk I/O. Throws `LinkWorkError.untrusted` for a wrong code or an expired or altered offer
    /// (no file is created).
    public func createPairedPatientStore(_ name: String, user: String, payload: Data, code: String) throws -> LinkWorkStore {
        try LinkWorkStore.createPairedBlocking(path: path(name), key: .encrypted(key: keySupplier(name)), user: user,
                                       payload: payload, code: code)
    }

    /// Creates a link worker's store `name` acting as `user` (the other side in the command
    /// line and the tests). Blocks on disk I/O.
    public func createLinkWorkerStore(_ name: String, user: String) throws -> LinkWorkStore {
        try create(name, user: user, role: .linkWorker, personId: nil)
    }

    // The two calls that touch the store's opening API. Every store is encrypted
    // (SQLCipher, AES-256) with the 32-byte key the supplier returns for its name.

    private func create(_ name: String, user: String, role: Role, personId: String?) throws -> LinkWorkStore {
        try LinkWorkStore.createBlocking(path: path(name), key: .encrypted(key: keySupplier(name)), user: user,
                                 role: role, personId: personId)
    }

    private func open(_ name: String) throws -> LinkWorkStore {
        try LinkWorkStore.openBlocking(path: path(name), key: .encrypted(key: keySupplier(name)))
    }

    /// 32 random bytes from the system's secure generator.
    public static func randomKey() -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// Random keys kept in memory, one per store name.
private final class EphemeralKeys: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: Data] = [:]

    func key(for name: String) -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let key = keys[name] { return key }
        let key = StoreProvider.randomKey()
        keys[name] = key
        return key
    }
}
