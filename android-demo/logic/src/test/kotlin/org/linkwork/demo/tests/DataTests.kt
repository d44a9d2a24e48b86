// The data layer: encrypted stores from the provider, the unsynced people (from the core), user messages
// free of patient data, and the sync driver over both transports.
package org.linkwork.demo.tests

import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.util.concurrent.TimeUnit
import kotlin.test.*
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.linkwork.core.LinkWorkException
import org.linkwork.LinkWorkStore
import org.linkwork.core.NewGoal
import org.linkwork.core.Role
import org.linkwork.StoreKey
import org.linkwork.demo.data.DeviceSession
import org.linkwork.demo.data.InMemoryKeySupplier
import org.linkwork.demo.data.SessionState
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.data.StoreProvider
import org.linkwork.demo.sync.InProcessTransport
import org.linkwork.demo.sync.SocketTransport
import org.linkwork.demo.ui.userMessage

object DataTests {
    val all: List<DemoTest> = listOf(
        DemoTest("store provider: encrypted stores reopen with their key; another key is WrongKey", ::provider),
        DemoTest("device session: opens off the main thread; a wrong key is a message, not a crash", ::session),
        DemoTest("repository: unsynced people from the core, listener changes as a flow, sync clears with a link worker", ::repository),
        DemoTest("user messages name kinds and fields, never ids or patient data", ::messages),
        DemoTest("socket transport: the reference framing over loopback, hub answering", ::socketSync),
        DemoTest("socket transport: syncs with the reference hub, `linkwork sync serve`", ::referenceHub),
    )

    private fun provider() = world {
        val pid = provider.openOrCreateLinkWorker("phone", "sam").use { it.addPerson(newPerson()) }
        // Reopened by the provider with the same key: the data is there, as the same user.
        provider.openOrCreateLinkWorker("phone", "sam").use { store ->
            assertEquals("sam", store.info().user)
            assertEquals(pid, store.person(pid).personId)
        }
        // The file is not plain SQLite, and neither another key nor no key opens it.
        val file = provider.fileFor("phone")
        assertFalse(file.readBytes().copyOf(16).decodeToString().startsWith("SQLite format 3"), "the file is encrypted")
        assertFailsWith<LinkWorkException.WrongKey> {
            LinkWorkStore.openBlocking(file.path, StoreKey.Encrypted(InMemoryKeySupplier().key("phone")))
        }
        assertFailsWith<LinkWorkException.WrongKey> { LinkWorkStore.openBlocking(file.path, StoreKey.Unencrypted) }
        val other = StoreProvider(dir, InMemoryKeySupplier())
        val e = assertFailsWith<LinkWorkException.WrongKey> { other.openOrCreateLinkWorker("phone", "sam") }
        assertTrue("unlocked" in userMessage(e).text)
        // A patient store for one person.
        provider.openOrCreatePatient("ada-phone", "ada", pid).use { assertEquals(Role.PATIENT, it.info().role) }
    }

    private fun session() = world {
        val session = DeviceSession(provider, "phone", "sam", Dispatchers.IO, scope)
        session.open().join()
        val ready = assertIs<SessionState.Ready>(session.state.value)
        val pid = ready.repository.addPerson(newPerson())
        assertEquals(setOf(pid), ready.repository.unsyncedPeople.value)
        session.close()

        // The core keeps what no peer has seen: a restart shows the same badge.
        val again = DeviceSession(provider, "phone", "sam", Dispatchers.IO, scope)
        again.open().join()
        val reopened = assertIs<SessionState.Ready>(again.state.value)
        assertEquals(setOf(pid), reopened.repository.unsyncedPeople.value)
        again.close()

        val locked = DeviceSession(StoreProvider(dir, InMemoryKeySupplier()), "phone", "sam", Dispatchers.IO, scope)
        locked.open().join()
        val failed = assertIs<SessionState.Failed>(locked.state.value)
        assertTrue("unlocked" in failed.message.text)
    }

    private fun repository() = world { coroutineScope {
        val a = linkWorker("a", "sam")
        val b = linkWorker("b", "jo")
        val heard = async(start = CoroutineStart.UNDISPATCHED) { withTimeout(10_000) { a.changes.first() } }
        // The Flow is cold: it subscribes once its producer runs; wait for that before editing.
        while (a.read { it.listenerCount() }.toLong() == 0L) yield()
        val pid = a.addPerson(newPerson())
        val goal = a.edit(pid) { it.addGoal(pid, NewGoal(text = "Walk")) }
        assertEquals(setOf(pid), heard.await())
        assertEquals(setOf(pid), a.unsyncedPeople.value, "no link-worker peer has them yet")

        val (ta, tb) = InProcessTransport.pair()
        val answering = async(Dispatchers.Default) { b.sync(tb, connect = false) }
        val outcome = a.sync(ta)
        val other = answering.await()
        assertTrue(outcome.complete && other.complete)
        assertEquals(Role.LINK_WORKER, outcome.peer?.role)
        assertEquals(listOf(pid), other.changedPersonIds)
        assertEquals(emptySet(), a.unsyncedPeople.value, "a link-worker peer has everything now")
        assertEquals(emptySet(), b.unsyncedPeople.value, "b's peer sent everything b has")
        assertEquals(goal, b.read { it.plan(pid) }.goals.single().id)
    } }

    private fun messages() {
        val id = "3f2b8c1e-0000-4000-8000-000000000001"
        val cases = listOf(
            LinkWorkException.NotFound(kind = "goal", id = id),
            LinkWorkException.InvalidInput(field = "nhs_number", reason = "check digit does not match"),
            LinkWorkException.Conflict(reason = "accepted -> contacting"),
            LinkWorkException.NotPermitted(action = "read case data"),
            LinkWorkException.Storage(reason = "disk full at /data/user/0/x.db"),
            LinkWorkException.WrongKey(reason = "not opened"),
            LinkWorkException.Sync(retryable = true, reason = "peer closed"),
            LinkWorkException.Sync(retryable = false, reason = "bad envelope"),
            LinkWorkException.Unexpected(reason = "bug $id"),
            LinkWorkException.UpdateRequired(reason = "goal $id"),
        )
        for (e in cases) {
            val m = userMessage(e)
            assertFalse(id in m.text || "/data" in m.text, "no ids or paths: ${m.text}")
            assertTrue(m.text.endsWith("."), m.text)
        }
        assertEquals("Please check the NHS number.", userMessage(cases[1]).text)
        assertTrue(userMessage(cases[6]).canRetry)
        assertFalse(userMessage(cases[7]).canRetry)
        assertTrue("Update the app" in userMessage(cases[9]).text)
    }

    /** The CLI binary passed by tests/kotlin/run.sh when it is as new as the library. */
    private val cli: String? = System.getProperty("linkwork.cli")?.takeIf { File(it).canExecute() }

    /** Runs the CLI to the end; its standard output. */
    private fun linkwork(vararg args: String): String {
        val p = ProcessBuilder(listOf(cli!!) + args).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "linkwork ${args.toList()} timed out")
        assertEquals(0, p.exitValue(), "linkwork ${args.toList()} failed")
        return out
    }

    private fun referenceHub() = world { coroutineScope {
        if (cli == null) throw Skipped("no current linkwork binary (run.sh passes -Dlinkwork.cli after a workspace build)")
        val key = File(dir, "hub.key").path
        val db = File(dir, "hub.db").path
        linkwork("key", "new", "--out", key)
        linkwork("--db", db, "--key-file", key, "init", "--user", "kim.lee")
        val grace = linkwork("--db", db, "--key-file", key, "person", "add", "--given", "Grace", "--family", "Hopper", "--dob", "1906-12-09").trim()
        val phone = linkWorker("phone", "sam")
        val ada = phone.addPerson(newPerson())

        val server = ProcessBuilder(cli, "--db", db, "--key-file", key, "sync", "serve", "--port", "0", "--once", "--allow-unenrolled")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start()
        try {
            val listening = server.inputStream.bufferedReader().readLine() ?: error("the hub printed nothing")
            assertTrue(listening.startsWith("listening on 127.0.0.1:"), listening)
            val port = listening.substringAfterLast(':').trim().toInt()
            val outcome = phone.sync(SocketTransport.connect("127.0.0.1", port, Dispatchers.IO))
            assertTrue(outcome.complete)
            assertEquals(Role.LINK_WORKER, outcome.peer?.role)
            assertEquals(listOf(grace), outcome.changedPersonIds)
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the hub did not end after one session")
            assertEquals(0, server.exitValue())
        } finally {
            server.destroy()
        }
        assertTrue("Lovelace" in linkwork("--db", db, "--key-file", key, "--json", "person", "show", ada))
        assertEquals(emptySet(), phone.unsyncedPeople.value)
    } }

    private fun socketSync() = world { coroutineScope {
        val phone = linkWorker("phone", "sam")
        val hub = linkWorker("hub", "kim")
        val pid = phone.addPerson(newPerson())
        ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { server ->
            val hubSide = async(Dispatchers.IO) {
                val socket = server.accept()
                hub.sync(SocketTransport(socket, Dispatchers.IO), connect = false)
            }
            val outcome = phone.sync(SocketTransport.connect("127.0.0.1", server.localPort, Dispatchers.IO))
            val hubOutcome = hubSide.await()
            assertTrue(outcome.complete && hubOutcome.complete)
            assertEquals(listOf(pid), hubOutcome.changedPersonIds)
            assertEquals(outcome.stats.bytesSent, hubOutcome.stats.bytesReceived)
        }
        assertEquals(phone.read { it.person(pid) }, hub.read { it.person(pid) })
    } }
}
