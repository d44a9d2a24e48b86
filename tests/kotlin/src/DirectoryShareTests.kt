// The organisation's services directory from the hub, through the Kotlin API: the "have"
// message, a directory chunk built here by its documented wire format (docs/directory.md) as
// the hub would send it, and the refusals that keep the stored directory.
package org.linkwork.tests

import java.nio.ByteBuffer
import java.util.UUID
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object DirectoryShareTests {
    val all: List<TestCase> = listOf(
        TestCase("directory from the hub: have message, one-chunk directory applied, then up to date", ::applied),
        TestCase("directory from the hub: wrong digest, oversized, out of order, patient store refused", ::refusals),
    )

    private val MAGIC = byteArrayOf('L'.code.toByte(), 'W'.code.toByte(), 'Y'.code.toByte(), 1)

    private fun hex(s: String): ByteArray = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

    /** A hub's chunk message: magic, version, kind 5, digest, total, index, length, bytes. */
    private fun chunk(digest: ByteArray, total: Int, index: Int, bytes: ByteArray): ByteArray =
        ByteBuffer.allocate(MAGIC.size + 1 + 32 + 12 + bytes.size)
            .put(MAGIC).put(5).put(digest).putInt(total).putInt(index).putInt(bytes.size).put(bytes)
            .array()

    /** The digest a hub announces for FEED: the content hash core computes when importing it. */
    private fun digestOf(dir: TempDir, feed: ByteArray): ByteArray =
        dir.linkWorkerStore("hub.db").use { hex(it.directoryImportBlocking(feed, "hub").version.contentHash) }

    private fun applied() = withTempDir { dir ->
        val feed = DirectoryTests.FEED.toByteArray()
        val digest = digestOf(dir, feed)
        dir.linkWorkerStore().use { store ->
            // No directory yet: magic, version, kind 1, no digest.
            assertContentEquals(MAGIC + byteArrayOf(1, 0), store.directoryHaveMessageBlocking())
            val download = store.directoryDownload()
            // The hub's revocation list (another kind of message) is left to the app.
            assertIs<DirectoryStep.NotDirectory>(download.receive("LWN".toByteArray() + byteArrayOf(1, 1, 0)))
            val step = download.receive(chunk(digest, feed.size, 0, feed))
            assertIs<DirectoryStep.Applied>(step)
            assertEquals(3, step.report.imported)
            assertTrue(download.isFinished())
            assertEquals("hub", store.directoryVersionBlocking()!!.source)
            assertContentEquals(MAGIC + byteArrayOf(1, 1) + digest, store.directoryHaveMessageBlocking())
            assertEquals(listOf("Lunch Club"), store.directorySearchBlocking(DirectoryQuery(text = "lunch clb")).hits.map { it.name })
            // The hub's answer to an up-to-date phone: five bytes, nothing changes.
            assertIs<DirectoryStep.UpToDate>(store.directoryDownload().receive(MAGIC + byteArrayOf(2)))
            assertIs<DirectoryStep.NotOffered>(store.directoryDownload().receive(MAGIC + byteArrayOf(4)))
        }
    }

    private fun refusals() = withTempDir { dir ->
        val feed = DirectoryTests.FEED.toByteArray()
        val digest = digestOf(dir, feed)
        dir.linkWorkerStore().use { store ->
            val wrong = digest.copyOf().also { it[0] = (it[0] + 1).toByte() }
            assertFailsWith<LinkWorkException.Untrusted> {
                store.directoryDownload().receive(chunk(wrong, feed.size, 0, feed))
            }
            assertFailsWith<LinkWorkException.Untrusted> {
                store.directoryDownload().receive(chunk(digest, 64 * 1024 * 1024 + 1, 0, ByteArray(49152)))
            }
            assertFailsWith<LinkWorkException.Untrusted> {
                store.directoryDownload().receive(chunk(digest, feed.size, 1, feed))
            }
            assertFailsWith<LinkWorkException.Untrusted> {
                store.directoryDownload().receive(MAGIC + byteArrayOf(9))
            }
            assertNull(store.directoryVersionBlocking())
        }
        val pid = UUID.randomUUID().toString()
        LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { patient ->
            assertFailsWith<LinkWorkException.Untrusted> { patient.directoryHaveMessageBlocking() }
            assertFailsWith<LinkWorkException.Untrusted> {
                patient.directoryDownload().receive(chunk(digest, feed.size, 0, feed))
            }
            assertNull(patient.directoryVersionBlocking())
        }
    }
}
