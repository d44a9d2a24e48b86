// Encryption at rest and erasure through the Kotlin API: StoreKey.Encrypted / StoreKey.Unencrypted,
// WrongKey as a typed error that changes nothing, rekey, and erasure of a person.
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
        TestCase("encryption: plain store opened with a key is WrongKey") { plainWithKey() },
        TestCase("encryption: key must be 32 bytes") { keyLength() },
        TestCase("encryption: rekey, then only the new key opens") { rekey() },
        TestCase("encryption: rekey refuses an unencrypted store") { rekeyPlain() },
        TestCase("encryption: no name or NHS number in the files") { noPlainText() },
        TestCase("encryption: erase a person in an encrypted store") { erase() },
    )

    private fun newKey(): StoreKey = StoreKey.Encrypted(ByteArray(32).also { SecureRandom().nextBytes(it) })

    private fun createEncrypted(path: String, key: StoreKey) =
        LinkWorkStore.create(path, key, "sam.worker", Role.LINK_WORKER)

    /** The files of the directory, by name, with their bytes (the store's open files included). */
    private fun files(dir: TempDir): Map<String, ByteArray> =
        dir.root.toFile().listFiles()!!.associate { it.name to it.readBytes() }

    private fun assertSameFiles(before: Map<String, ByteArray>, after: Map<String, ByteArray>) {
        assertEquals(before.keys, after.keys, "files added or removed")
        for ((name, bytes) in before) assertContentEquals(bytes, after[name], "$name changed")
    }

    private fun ByteArray.contains(text: String): Boolean {
        val needle = text.toByteArray()
        return (0..size - needle.size).any { i -> needle.indices.all { this[i + it] == needle[it] } }
    }

    private fun reopenWithKey() = withTempDir { dir ->
        val key = newKey()
        val path = dir.path("enc.db")
        val pid = createEncrypted(path, key).use { it.addPersonBlocking(newPerson()) }
        LinkWorkStore.open(path, key).use { store ->
            assertEquals("Lovelace", store.personBlocking(pid).caseRecord!!.demographics.familyName)
        }
        LinkWorkStore.openAs(path, key, "jo.colleague").use { store ->
            assertEquals("jo.colleague", store.info().user)
            assertEquals(1, store.caseloadBlocking(CaseloadQuery()).size)
        }
    }

    private fun wrongKey() = withTempDir { dir ->
        val path = dir.path("enc.db")
        createEncrypted(path, newKey()).use { it.addPersonBlocking(newPerson()) }
        val before = files(dir)
        val e = assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, newKey()) }
        assertTrue(e.reason.isNotBlank())
        assertTrue(describe(e).startsWith("wrong key"))
        assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.openAs(path, newKey(), "jo") }
        assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, StoreKey.Unencrypted) }
        assertSameFiles(before, files(dir))
    }

    private fun plainWithKey() = withTempDir { dir ->
        val path = dir.path("plain.db")
        LinkWorkStore.create(path, StoreKey.Unencrypted, "sam.worker", Role.LINK_WORKER).use { it.addPersonBlocking(newPerson()) }
        val before = files(dir)
        val e = assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, newKey()) }
        assertTrue("not encrypted" in e.reason, e.reason)
        assertSameFiles(before, files(dir))
        LinkWorkStore.open(path, StoreKey.Unencrypted).use { assertEquals(1, it.caseloadBlocking(CaseloadQuery()).size) }
    }

    private fun keyLength() = withTempDir { dir ->
        for (n in listOf(0, 16, 31, 33)) {
            val e = assertFailsWith<LinkWorkException.InvalidInput> {
                LinkWorkStore.create(dir.path("k$n.db"), StoreKey.Encrypted(ByteArray(n)), "sam", Role.LINK_WORKER)
            }
            assertEquals("key", e.field)
            assertFalse(File(dir.path("k$n.db")).exists(), "nothing created for a bad key")
        }
    }

    private fun rekey() = withTempDir { dir ->
        val (old, new) = newKey() to newKey()
        val path = dir.path("enc.db")
        val pid = createEncrypted(path, old).use { store ->
            val pid = store.addPersonBlocking(newPerson())
            store.rekeyBlocking(new)
            // The same handle keeps working after the re-key.
            store.addCaseNoteBlocking(pid, "after the re-key")
            assertEquals(1, store.personBlocking(pid).caseRecord!!.notes.size)
            pid
        }
        assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.open(path, old) }
        LinkWorkStore.open(path, new).use { store ->
            assertEquals(listOf("after the re-key"), store.personBlocking(pid).caseRecord!!.notes.map { it.text })
        }
    }

    private fun rekeyPlain() = withTempDir { dir ->
        LinkWorkStore.create(dir.path("plain.db"), StoreKey.Unencrypted, "sam", Role.LINK_WORKER).use { store ->
            assertEquals("key", assertFailsWith<LinkWorkException.InvalidInput> { store.rekeyBlocking(newKey()) }.field)
        }
        createEncrypted(dir.path("enc.db"), newKey()).use { store ->
            assertEquals("key", assertFailsWith<LinkWorkException.InvalidInput> { store.rekeyBlocking(StoreKey.Unencrypted) }.field)
        }
    }

    private fun noPlainText() = withTempDir { dir ->
        // Control: the same person in a plain store is readable in its files, so the scan below
        // would find it if encryption did nothing.
        withTempDir { plainDir ->
            LinkWorkStore.create(plainDir.path("plain.db"), StoreKey.Unencrypted, "sam.worker", Role.LINK_WORKER).use { store ->
                store.addPersonBlocking(newPerson(given = "Zenobia", family = "Quartermaine"))
                val plainFiles = files(plainDir)
                for (needle in listOf("Zenobia", "Quartermaine", "9434765919")) {
                    assertTrue(plainFiles.values.any { it.contains(needle) }, "control: $needle not found in a plain store")
                }
            }
        }
        createEncrypted(dir.path("enc.db"), newKey()).use { store ->
            val pid = store.addPersonBlocking(newPerson(given = "Zenobia", family = "Quartermaine"))
            store.addCaseNoteBlocking(pid, "Frightened of the damp stairwell")
            for ((name, bytes) in files(dir)) {
                for (needle in listOf("Zenobia", "Quartermaine", "9434765919", "damp stairwell")) {
                    assertFalse(bytes.contains(needle), "$needle found in $name")
                }
            }
        }
    }

    private fun erase() = withTempDir { dir ->
        val key = newKey()
        val path = dir.path("enc.db")
        val (gone, kept) = createEncrypted(path, key).use { store ->
            val gone = store.addPersonBlocking(newPerson(given = "Gone", family = "Person"))
            val kept = store.addPersonBlocking(newPerson(given = "Kept", family = "Person"))
            store.erasePersonBlocking(gone)
            assertEquals(listOf(kept), store.caseloadBlocking(CaseloadQuery()).map { it.personId })
            assertFailsWith<LinkWorkException.NotFound> { store.personBlocking(gone) }
            gone to kept
        }
        LinkWorkStore.open(path, key).use { store ->
            assertEquals(listOf(gone), store.erasedPeopleBlocking().map { it.personId })
            assertEquals(listOf(kept), store.caseloadBlocking(CaseloadQuery()).map { it.personId })
        }
    }
}
