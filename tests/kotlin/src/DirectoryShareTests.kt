// The organisation's services directory from the hub, through the Kotlin API: the "have"
// message, a directory chunk built here by its documented wire format (docs/directory.md) as
// the hub would send it, received with the suspend `DirectoryDownload.receive`. The refusals are
// tested in Rust (core/src/directory/share_tests.rs).
package org.linkwork.tests

import java.nio.ByteBuffer
import java.util.UUID
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

object DirectoryShareTests {
    val all: List<TestCase> = listOf(
        TestCase("directory from the hub: have message, one-chunk directory applied, then up to date", ::applied),
    )

    private val MAGIC = byteArrayOf('L'.code.toByte(), 'W'.code.toByte(), 'Y'.code.toByte(), 1)

    private fun hex(s: String): ByteArray = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

    /** A hub's chunk message: magic, version, kind 5, digest, total, index, length, bytes. */
    private fun chunk(digest: ByteArray, total: Int, index: Int, bytes: ByteArray): ByteArray =
        ByteBuffer.allocate(MAGIC.size + 1 + 32 + 12 + bytes.size)
            .put(MAGIC).put(5).put(digest).putInt(total).putInt(index).putInt(bytes.size).put(bytes)
            .array()

    /** The digest a hub announces for FEED: the content hash core computes when importing it. */
    private suspend fun digestOf(dir: TempDir, feed: ByteArray): ByteArray =
        dir.linkWorkerStore("hub.db").use { hex(it.directoryImport(feed, "hub").version.contentHash) }

    private suspend fun applied() = withTempDir { dir ->
        val feed = DirectoryTests.FEED.toByteArray()
        val digest = digestOf(dir, feed)
        dir.linkWorkerStore().use { store ->
            // No directory yet: magic, version, kind 1, no digest.
            assertContentEquals(MAGIC + byteArrayOf(1, 0), store.directoryHaveMessage())
            val download = store.directoryDownload()
            // The hub's revocation list (another kind of message) is left to the app.
            assertIs<DirectoryStep.NotDirectory>(download.receive("LWN".toByteArray() + byteArrayOf(1, 1, 0)))
            val step = download.receive(chunk(digest, feed.size, 0, feed))
            assertIs<DirectoryStep.Applied>(step)
            assertEquals(3, step.report.imported)
            assertTrue(download.isFinished())
            assertEquals("hub", store.directoryVersion()!!.source)
            assertContentEquals(MAGIC + byteArrayOf(1, 1) + digest, store.directoryHaveMessage())
            assertEquals(listOf("Lunch Club"), store.directorySearch(DirectoryQuery(text = "lunch clb")).hits.map { it.name })
            // The hub's answer to an up-to-date phone: five bytes, nothing changes.
            assertIs<DirectoryStep.UpToDate>(store.directoryDownload().receive(MAGIC + byteArrayOf(2)))
            assertIs<DirectoryStep.NotOffered>(store.directoryDownload().receive(MAGIC + byteArrayOf(4)))
        }
    }
}
