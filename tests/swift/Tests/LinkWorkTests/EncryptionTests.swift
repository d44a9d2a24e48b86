// Encryption at rest through the Swift API's async calls: StoreKey .encrypted(key:) /
// .unencrypted crossing, WrongKey as a typed error that changes nothing, the key's length, rekey.
// The rest is tested in Rust (tests/tests/integration/encryption.rs, erasure_raw.rs).
import Foundation
import XCTest
import LinkWork

final class EncryptionTests: LinkWorkTestCase {
    private func newKey() -> StoreKey {
        var generator = SystemRandomNumberGenerator()
        return .encrypted(key: Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    private func createEncrypted(_ name: String, _ key: StoreKey) async throws -> LinkWorkStore {
        try await LinkWorkStore.create(path: dir.path(name), key: key, user: "sam.worker", role: .linkWorker)
    }

    /// The reason of the `WrongKey` error `body` throws (XCTest's autoclosures cannot await);
    /// fails the test on anything else.
    @discardableResult
    private func wrongKeyReason<T>(_ body: () async throws -> T, line: UInt = #line) async -> String? {
        do {
            _ = try await body()
            XCTFail("expected WrongKey, nothing thrown", line: line)
        } catch LinkWorkError.wrongKey(let reason) {
            return reason
        } catch {
            XCTFail("expected WrongKey, got \(error)", line: line)
        }
        return nil
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

    func testEncryptedStoreReopensWithItsKey() async throws {
        let key = newKey()
        let pid = try await createEncrypted("enc.db", key).addPerson(person: newPerson())
        let store = try await LinkWorkStore.open(path: dir.path("enc.db"), key: key)
        let record = try await store.person(personId: pid)
        XCTAssertEqual(record.caseRecord?.demographics.familyName, "Lovelace")
        let colleague = try await LinkWorkStore.openAs(path: dir.path("enc.db"), key: key, user: "jo.colleague")
        XCTAssertEqual(colleague.info().user, "jo.colleague")
        let caseload = try await colleague.caseload(query: CaseloadQuery())
        XCTAssertEqual(caseload.count, 1)
    }

    func testWrongKeyIsATypedErrorAndChangesNothing() async throws {
        _ = try await createEncrypted("enc.db", newKey()).addPerson(person: newPerson())
        let before = try files()
        let path = dir.path("enc.db")
        let reason = await wrongKeyReason { try await LinkWorkStore.open(path: path, key: newKey()) }
        XCTAssertFalse(reason?.isEmpty ?? true)
        await wrongKeyReason { try await LinkWorkStore.openAs(path: path, key: newKey(), user: "jo") }
        await wrongKeyReason { try await LinkWorkStore.open(path: path, key: .unencrypted) }
        XCTAssertEqual(try files(), before, "a refused open changed or left files")
    }

    func testKeyMustBe32Bytes() async throws {
        for count in [0, 16, 31, 33] {
            let path = dir.path("k\(count).db")
            do {
                _ = try await LinkWorkStore.create(path: path, key: .encrypted(key: Data(count: count)),
                                                   user: "sam", role: .linkWorker)
                XCTFail("a \(count)-byte key was accepted")
            } catch LinkWorkError.invalidInput(let field, _) {
                XCTAssertEqual(field, "key")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        }
    }

    func testRekeyThenOnlyTheNewKeyOpens() async throws {
        let (old, new) = (newKey(), newKey())
        let pid: String
        do {
            let store = try await createEncrypted("enc.db", old)
            pid = try await store.addPerson(person: newPerson())
            try await store.rekey(newKey: new)
            _ = try await store.addCaseNote(personId: pid, text: "after the re-key")
            let notes = try await store.person(personId: pid).caseRecord?.notes
            XCTAssertEqual(notes?.count, 1)
        }
        let path = dir.path("enc.db")
        await wrongKeyReason { try await LinkWorkStore.open(path: path, key: old) }
        let reopened = try await LinkWorkStore.open(path: path, key: new)
        let notes = try await reopened.person(personId: pid).caseRecord?.notes.map(\.text)
        XCTAssertEqual(notes, ["after the re-key"])
    }
}
