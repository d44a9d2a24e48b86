// Encryption at rest through the Kotlin API: StoreKey.Encrypted / StoreKey.Unencrypted crossing,
// WrongKey as a typed error that changes nothing, the key's length, rekey. The rest is tested in
// Rust (tests/tests/integration/encryption.rs, erasure_raw.rs).
package org.linkwork.tests

import java.io.File
import java.security.SecureRandom
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.linkwork.*
import org.linkwork.core.*

object EncryptionTests {
    val all = listOf(
        TestCase("encryption: create encrypted, reopen with the key") { reopenWithKey() },
        TestCase("encryption: wrong key is WrongKey and changes nothing") { wrongKey() },
        TestCase("encryption: key must be 32 bytes") { keyLength() },
        TestCase("encryption: rekey, then only the new key opens") { rekey() },
    )

    private fun newKey(): StoreKey = StoreKey.Encrypted(ByteArray(32).also { SecureRandom().nextBytes(it) })

    private suspend fun createEncrypted(path: String, key: StoreKey) =
        LinkWorkStore.create(path, key, "sam.worker", Role.LINK_WORKER)

    /** The files of the directory, by name, with their bytes (the store's open files included). */
    private fun files(dir: TempDir): Map<String, ByteArray> =
        dir.root.toFile().listFiles()!!.associate { it.name to it.readBytes() }

    private fun assertSameFiles(before: Map<String, ByteArray>, after: Map<String, ByteArray>) {
        assertEquals(before.keys, after.keys, "files added or removed")
        for ((name, bytes) in before) assertContentEquals(bytes, after[name], "$name changed")
    }

    private suspend fun reopenWithKey() = withTempDir { dir ->
        val key = newKey()
        val path = dir.path("enc.db")
        val pid = createEncrypted(path, key).use { it.addPerson(newPerson()) }
        LinkWorkStore.open(path, key).use { store ->
            assertEquals("Lovelace", store.person(pid).caseRecord!!.demographics.familyName)
        }
        LinkWorkStore.openAs(path, key, "jo.colleague").use { store ->
            assertEquals("jo.colleague", store.info().user)
            assertEquals(1, store.caseload(CaseloadQuery()).size)
        }
    }

    private suspend fun wrongKey() = withTempDir { dir ->
        val path = dir.path("enc.db")
        createEncrypted(path, newKey()).use { it.addPerson(newPerson()) }
        val before = files(dir)
        val e = assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, newKey()) }
        assertTrue(e.reason.isNotBlank())
        assertTrue(describe(e).startsWith("wrong key"))
        assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.openAs(path, newKey(), "jo") }
        assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, StoreKey.Unencrypted) }
        assertSameFiles(before, files(dir))
    }

    private suspend fun keyLength() = withTempDir { dir ->
        for (n in listOf(0, 16, 31, 33)) {
            val e = assertFailsWith<LinkWorkException.InvalidInput> {
                LinkWorkStore.create(dir.path("k$n.db"), StoreKey.Encrypted(ByteArray(n)), "sam", Role.LINK_WORKER)
            }
            assertEquals("key", e.field)
            assertFalse(File(dir.path("k$n.db")).exists(), "nothing created for a bad key")
        }
    }

    private suspend fun rekey() = withTempDir { dir ->
        val (old, new) = newKey() to newKey()
        val path = dir.path("enc.db")
        val pid = createEncrypted(path, old).use { store ->
            val pid = store.addPerson(newPerson())
            store.rekey(new)
            // The same handle keeps working after the re-key.
            store.addCaseNote(pid, "after the re-key")
            assertEquals(1, store.person(pid).caseRecord!!.notes.size)
            pid
        }
        assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, old) }
        LinkWorkStore.open(path, new).use { store ->
            assertEquals(listOf("after the re-key"), store.person(pid).caseRecord!!.notes.map { it.text })
        }
    }
}
