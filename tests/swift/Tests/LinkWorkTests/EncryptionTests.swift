// Encryption at rest through the Swift API: StoreKey .encrypted(key:) / .unencrypted crossing,
// WrongKey as a typed error that changes nothing, the key's length, rekey. The rest is tested in
// Rust (tests/tests/integration/encryption.rs, erasure_raw.rs).
import Foundation
import XCTest
import LinkWork

final class EncryptionTests: LinkWorkTestCase {
    private func newKey() -> StoreKey {
        var generator = SystemRandomNumberGenerator()
        return .encrypted(key: Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    private func createEncrypted(_ name: String, _ key: StoreKey) throws -> LinkWorkStore {
        try LinkWorkStore.createBlocking(path: dir.path(name), key: key, user: "sam.worker", role: .linkWorker)
    }

    /// Every file in the test directory (or `folder`), by name, with its bytes.
    private func files(in folder: TempDir? = nil) throws -> [String: Data] {
        let root = (folder ?? dir).url
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: root.path) {
            out[name] = try Data(contentsOf: root.appendingPathComponent(name))
        }
        return out
    }

    func testEncryptedStoreReopensWithItsKey() throws {
        let key = newKey()
        let pid = try createEncrypted("enc.db", key).addPersonBlocking(person: newPerson())
        let store = try LinkWorkStore.openBlocking(path: dir.path("enc.db"), key: key)
        XCTAssertEqual(try store.personBlocking(personId: pid).caseRecord?.demographics.familyName, "Lovelace")
        let colleague = try LinkWorkStore.openAsBlocking(path: dir.path("enc.db"), key: key, user: "jo.colleague")
        XCTAssertEqual(colleague.info().user, "jo.colleague")
        XCTAssertEqual(try colleague.caseloadBlocking(query: CaseloadQuery()).count, 1)
    }

    func testWrongKeyIsATypedErrorAndChangesNothing() throws {
        _ = try createEncrypted("enc.db", newKey()).addPersonBlocking(person: newPerson())
        let before = try files()
        let reason = assertWrongKey(try LinkWorkStore.openBlocking(path: dir.path("enc.db"), key: newKey()))
        XCTAssertFalse(reason?.isEmpty ?? true)
        assertWrongKey(try LinkWorkStore.openAsBlocking(path: dir.path("enc.db"), key: newKey(), user: "jo"))
        assertWrongKey(try LinkWorkStore.openBlocking(path: dir.path("enc.db"), key: .unencrypted))
        XCTAssertEqual(try files(), before, "a refused open changed or left files")
    }

    func testKeyMustBe32Bytes() throws {
        for count in [0, 16, 31, 33] {
            assertInvalidInput(
                try LinkWorkStore.createBlocking(path: dir.path("k\(count).db"), key: .encrypted(key: Data(count: count)),
                                         user: "sam", role: .linkWorker),
                field: "key")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("k\(count).db")))
        }
    }

    func testRekeyThenOnlyTheNewKeyOpens() throws {
        let (old, new) = (newKey(), newKey())
        let pid: String
        do {
            let store = try createEncrypted("enc.db", old)
            pid = try store.addPersonBlocking(person: newPerson())
            try store.rekeyBlocking(newKey: new)
            _ = try store.addCaseNoteBlocking(personId: pid, text: "after the re-key")
            XCTAssertEqual(try store.personBlocking(personId: pid).caseRecord?.notes.count, 1)
        }
        assertWrongKey(try LinkWorkStore.openBlocking(path: dir.path("enc.db"), key: old))
        let reopened = try LinkWorkStore.openBlocking(path: dir.path("enc.db"), key: new)
        XCTAssertEqual(try reopened.personBlocking(personId: pid).caseRecord?.notes.map(\.text), ["after the re-key"])
    }
}
