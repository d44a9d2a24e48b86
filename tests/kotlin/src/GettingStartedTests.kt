// Runs the samples of docs/getting-started-android.md (extracted by tests/kotlin/run.sh into
// package org.linkwork.samples and compiled with this suite): open or create, add a person, the
// caseload state following the store, enrolment and a sync with the real test hub over the
// JDK's WebSocket. The Keystore sample is compiled only (no Android Keystore on a JVM).
package org.linkwork.tests

import java.io.File
import java.security.SecureRandom
import kotlin.test.*
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import org.linkwork.samples.CaseloadState
import org.linkwork.samples.HubConnection
import org.linkwork.samples.addReferral
import org.linkwork.samples.enrol
import org.linkwork.samples.openCaseload
import org.linkwork.samples.syncWithHub

object GettingStartedTests {
    val all = listOf(
        TestCase("getting started (Android): open, add, observe, enrol and sync as the guide shows") { guide() },
    )

    /** The guide's HubConnection over the suite's WebSocket client. */
    private class TestHubConnection(path: String) : HubConnection {
        private val socket = HubSocket.open("${TestHub.url}$path")
        override suspend fun send(bytes: ByteArray) = socket.send(bytes)
        override suspend fun receive(): ByteArray? = socket.next()
        override fun close() = socket.close()
    }

    private suspend fun guide() = withTempDir { dir ->
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val file = File(dir.path("caseload.db"))
        val pid = openCaseload(file, key, "gil").use { store ->
            assertTrue(file.exists(), "created on first launch")
            val scope = CoroutineScope(Dispatchers.Default)
            try {
                val state = CaseloadState(store, scope)
                val pid = assertNotNull(addReferral(store, "Ada", "Lovelace", "943 476 5919"))
                assertNull(addReferral(store, "Bad", "Number", "123"), "a refused NHS number is null")
                val rows = withTimeout(30_000) { state.rows.first { rows -> rows.isNotEmpty() } }
                assertEquals(listOf(pid), rows.map { it.personId })
                pid
            } finally {
                scope.cancel()
            }
        }
        // Second launch: the file exists, so it is opened with the same key.
        openCaseload(file, key, "gil").use { store ->
            assertEquals("gil", store.info().user)
            val cert = enrol(store, TestHub.code("GIL")) { path -> TestHubConnection(path) }
            assertEquals("Gil", cert.name)
            // Other suites' people may reach this team member's store; Ada stays and is on the hub.
            val changed = syncWithHub(store) { path -> TestHubConnection(path) }
            assertFalse(pid in changed, "this device's own person is not changed by the hub")
            val hub = store.peers().first()
            assertEquals(emptyList(), store.unsyncedPeople(hub.storeId), "everything reached the hub")
        }
    }
}
