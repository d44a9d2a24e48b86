// Encryption at rest and erasure through the Swift API: StoreKey .encrypted(key:) /
// .unencrypted, WrongKey as a typed error that changes nothing, rekey, and erasure.
import Foundation
import XCTest
import LinkWork

final class EncryptionTests: LinkWorkTestCase {
    private func newKey() -> StoreKey {
        var generator = SystemRandomNumberGenerator()
        return .encrypted(key: Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    private func createEncrypted(_ name: String, _ key: StoreKey) throws -> LinkWorkStore {
        try LinkWorkStore.create(path: dir.path(name), key: key, user: "sam.worker", role: .linkWorker)
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
        let store = try LinkWorkStore.open(path: dir.path("enc.db"), key: key)
        XCTAssertEqual(try store.personBlocking(personId: pid).caseRecord?.demographics.familyName, "Lovelace")
        let colleague = try LinkWorkStore.openAs(path: dir.path("enc.db"), key: key, user: "jo.colleague")
        XCTAssertEqual(colleague.info().user, "jo.colleague")
        XCTAssertEqual(try colleague.caseloadBlocking(query: CaseloadQuery()).count, 1)
    }

    func testWrongKeyIsATypedErrorAndChangesNothing() throws {
        _ = try createEncrypted("enc.db", newKey()).addPersonBlocking(person: newPerson())
        let before = try files()
        let reason = assertWrongKey(try LinkWorkStore.open(path: dir.path("enc.db"), key: newKey()))
        XCTAssertFalse(reason?.isEmpty ?? true)
        assertWrongKey(try LinkWorkStore.openAs(path: dir.path("enc.db"), key: newKey(), user: "jo"))
        assertWrongKey(try LinkWorkStore.open(path: dir.path("enc.db"), key: .unencrypted))
        XCTAssertEqual(try files(), before, "a refused open changed or left files")
    }

    func testPlainStoreOpenedWithAKeyIsWrongKey() throws {
        _ = try LinkWorkStore.create(path: dir.path("plain.db"), key: .unencrypted, user: "sam", role: .linkWorker)
            .addPersonBlocking(person: newPerson())
        let before = try files()
        let reason = assertWrongKey(try LinkWorkStore.open(path: dir.path("plain.db"), key: newKey()))
        XCTAssertTrue(reason?.contains("not encrypted") ?? false, reason ?? "")
        XCTAssertEqual(try files(), before)
        XCTAssertEqual(try LinkWorkStore.open(path: dir.path("plain.db"), key: .unencrypted)
            .caseloadBlocking(query: CaseloadQuery()).count, 1)
    }

    func testKeyMustBe32Bytes() throws {
        for count in [0, 16, 31, 33] {
            assertInvalidInput(
                try LinkWorkStore.create(path: dir.path("k\(count).db"), key: .encrypted(key: Data(count: count)),
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
        assertWrongKey(try LinkWorkStore.open(path: dir.path("enc.db"), key: old))
        let reopened = try LinkWorkStore.open(path: dir.path("enc.db"), key: new)
        XCTAssertEqual(try reopened.personBlocking(personId: pid).caseRecord?.notes.map(\.text), ["after the re-key"])
    }

    func testRekeyRefusesPlainStoresAndPlainKeys() throws {
        let plain = try LinkWorkStore.create(path: dir.path("plain.db"), key: .unencrypted, user: "sam", role: .linkWorker)
        assertInvalidInput(try plain.rekeyBlocking(newKey: newKey()), field: "key")
        let encrypted = try createEncrypted("enc.db", newKey())
        assertInvalidInput(try encrypted.rekeyBlocking(newKey: .unencrypted), field: "key")
    }

    func testNoNameOrNhsNumberInTheFiles() throws {
        // Control: the same person in a plain store is readable in its files, so the scan below
        // would find it if encryption did nothing.
        let plainDir = try TempDir()
        defer { plainDir.remove() }
        let plain = try LinkWorkStore.create(
            path: plainDir.path("plain.db"), key: .unencrypted, user: "sam.worker", role: .linkWorker)
        _ = try plain.addPersonBlocking(person: newPerson(given: "Zenobia", family: "Quartermaine"))
        let plainFiles = try files(in: plainDir)
        for needle in ["Zenobia", "Quartermaine", "9434765919"] {
            XCTAssertTrue(
                plainFiles.values.contains { $0.range(of: Data(needle.utf8)) != nil },
                "control: \(needle) not found in a plain store")
        }

        let store = try createEncrypted("enc.db", newKey())
        let pid = try store.addPersonBlocking(person: newPerson(given: "Zenobia", family: "Quartermaine"))
        _ = try store.addCaseNoteBlocking(personId: pid, text: "Frightened of the damp stairwell")
        for (name, bytes) in try files() {
            for needle in ["Zenobia", "Quartermaine", "9434765919", "damp stairwell"] {
                XCTAssertNil(bytes.range(of: Data(needle.utf8)), "\(needle) found in \(name)")
            }
        }
    }

    func testEraseAPersonInAnEncryptedStore() throws {
        let key = newKey()
        let gone: String
        let kept: String
        do {
            let store = try createEncrypted("enc.db", key)
            gone = try store.addPersonBlocking(person: newPerson(given: "Gone", family: "Person"))
            kept = try store.addPersonBlocking(person: newPerson(given: "Kept", family: "Person"))
            try store.erasePersonBlocking(personId: gone)
            XCTAssertEqual(try store.caseloadBlocking(query: CaseloadQuery()).map(\.personId), [kept])
            assertNotFound(try store.personBlocking(personId: gone))
        }
        let reopened = try LinkWorkStore.open(path: dir.path("enc.db"), key: key)
        XCTAssertEqual(try reopened.erasedPeopleBlocking().map(\.personId), [gone])
        XCTAssertEqual(try reopened.caseloadBlocking(query: CaseloadQuery()).map(\.personId), [kept])
    }
}
