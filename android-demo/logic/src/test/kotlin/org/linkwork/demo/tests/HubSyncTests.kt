// The demo's hub sync (HubSync, EnrolViewModel) against the real `linkwork-hub` that
// tests/kotlin/run.sh starts (scripts/test-hub.sh), over the JDK's java.net.http WebSocket
// standing in for the app module's OkHttp.
package org.linkwork.demo.tests

import java.io.ByteArrayOutputStream
import java.io.File
import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.WebSocket
import java.nio.ByteBuffer
import java.util.concurrent.CompletionStage
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withTimeout
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.delay
import org.linkwork.core.HubPurpose
import org.linkwork.core.LinkWorkException
import org.linkwork.demo.ui.userMessage
import org.linkwork.demo.sync.EnrolViewModel
import org.linkwork.demo.sync.HUB_MAX_MESSAGE_BYTES
import org.linkwork.demo.sync.FileHubSettingsStore
import org.linkwork.demo.sync.HubConnector
import org.linkwork.demo.sync.HubMessageBound
import org.linkwork.demo.sync.HubMessageTooLargeException
import org.linkwork.demo.sync.HubRefusedDeviceException
import org.linkwork.demo.sync.HubSettings
import org.linkwork.demo.sync.HubSyncViewModel
import org.linkwork.demo.sync.InMemoryHubSettingsStore
import org.linkwork.demo.sync.HubSocket
import org.linkwork.demo.sync.HubSync
import org.linkwork.demo.sync.parseHubAddress

/**
 * A [HubSocket] over java.net.http's WebSocket, which delivers a message in parts: each part is
 * counted by a [HubMessageBound] of [limit] bytes before it is kept, so a message over the bound
 * ends the connection with [HubMessageTooLargeException] (as OkHttpHubSocket does in the app).
 */
class JdkHubSocket private constructor(limit: Int) : HubSocket, WebSocket.Listener {
    private val bound = HubMessageBound(limit)
    private val inbox = Channel<Any?>(Channel.UNLIMITED)
    private var partial = ByteArrayOutputStream()
    private lateinit var ws: WebSocket

    override fun onBinary(ws: WebSocket, data: ByteBuffer, last: Boolean): CompletionStage<*>? {
        try {
            bound.count(data.remaining(), last)
        } catch (e: HubMessageTooLargeException) {
            inbox.trySend(e)
            ws.abort()
            return null
        }
        val bytes = ByteArray(data.remaining()).also { data.get(it) }
        partial.write(bytes)
        if (last) {
            inbox.trySend(partial.toByteArray())
            partial = ByteArrayOutputStream()
        }
        ws.request(1)
        return null
    }

    override fun onClose(ws: WebSocket, status: Int, reason: String): CompletionStage<*>? {
        inbox.trySend(null)
        return null
    }

    override fun onError(ws: WebSocket, error: Throwable) {
        inbox.trySend(null)
    }

    override suspend fun send(message: ByteArray) {
        ws.sendBinary(ByteBuffer.wrap(message), true).await()
    }

    override suspend fun receive(): ByteArray? = when (val next = withTimeout(15_000) { inbox.receive() }) {
        is HubMessageTooLargeException -> throw next
        else -> next as ByteArray?
    }

    override fun close() {
        if (::ws.isInitialized) ws.abort()
    }

    companion object {
        private val client = HttpClient.newHttpClient()

        /** Sockets bounded at core's frame bound, as the app's. */
        val connector = bounded(HUB_MAX_MESSAGE_BYTES)

        /** Sockets that refuse a message over [limit] bytes. */
        fun bounded(limit: Int) = HubConnector { url ->
            val socket = JdkHubSocket(limit)
            socket.ws = try {
                client.newWebSocketBuilder().buildAsync(URI.create(url), socket).get(15, TimeUnit.SECONDS)
            } catch (e: Exception) {
                throw IOException("cannot reach the hub", e)
            }
            socket
        }
    }
}

private fun hubEnv(name: String): String =
    System.getenv(name) ?: throw AssertionError("$name is not set: run with tests/kotlin/run.sh, which starts the hub")

/** Runs the test hub's admin command (`linkwork-hub --database FILE ...args`): its output. */
private fun hubAdmin(vararg args: String): String {
    val p = ProcessBuilder(hubEnv("LINKWORK_TEST_HUB_ADMIN").split(" ") + args).start()
    val out = p.inputStream.readBytes().decodeToString()
    val err = p.errorStream.readBytes().decodeToString()
    check(p.waitFor() == 0) { "linkwork-hub ${args.joinToString(" ")} failed: $err" }
    return out.trim()
}

/** A user of the test hub (new for each test: invite codes are used once), and an invite code. */
private fun hubUser(name: String, role: String, team: String): String {
    hubAdmin("user", "add", name, "--role", role, "--team", team)
    return hubAdmin("invite", name)
}

/**
 * Another organisation's hub: the test hub's binary serving a database of its own on loopback,
 * stopped (and its directory removed) after [block].
 */
private suspend fun otherOrganisationsHub(dir: File, block: suspend (url: String) -> Unit) {
    val bin = hubEnv("LINKWORK_TEST_HUB_ADMIN").split(" ").first()
    val home = File(dir, "other-hub").apply { mkdirs() }
    val db = File(home, "hub.db").path
    check(ProcessBuilder(bin, "--database", db, "init", "--org", "Elsewhere").redirectErrorStream(true).start().waitFor() == 0)
    val log = File(home, "serve.log")
    val serve = ProcessBuilder(bin, "--database", db, "serve", "--listen", "127.0.0.1:0")
        .redirectErrorStream(true).redirectOutput(log).start()
    try {
        var url: String? = null
        var waited = 0
        while (url == null && serve.isAlive && waited++ < 150) {
            delay(100)
            url = log.takeIf { it.exists() }?.readLines()
                ?.firstNotNullOfOrNull { Regex("^listening on (ws://[0-9.:]+)$").find(it)?.groupValues?.get(1) }
        }
        block(url ?: throw AssertionError("the other hub did not start: ${log.readText()}"))
    } finally {
        serve.destroy()
        serve.waitFor()
    }
}

object HubSyncTests {
    val all = listOf(
        DemoTest("hub: addresses are checked before connecting") {
            assertEquals("wss://hub.example:8443", parseHubAddress(" wss://hub.example:8443/ "))
            assertEquals("ws://127.0.0.1:9000", parseHubAddress("ws://127.0.0.1:9000"))
            assertNull(parseHubAddress("ws://hub.example:9000"))
            assertNull(parseHubAddress("https://hub.example"))
            assertNull(parseHubAddress("wss://hub.example/connect"))
            assertNull(parseHubAddress("not a url"))
        },
        DemoTest("hub: the enrol screen refuses bad input and a wrong code, then enrols; the team lead gets the person") {
            world {
                val url = hubEnv("LINKWORK_TEST_HUB_URL")
                val sam = linkWorker("sam.db", "sam")
                val samHub = sam.read { HubSync(it, JdkHubSocket.connector, Dispatchers.IO) }
                val screen = EnrolViewModel(samHub, scope)

                screen.setAddress("http://nowhere")
                screen.setCode("X")
                assertNull(screen.enrol())
                assertTrue(screen.state.value.message!!.text.contains("hub address"))
                screen.setAddress(url)
                screen.setCode(" ")
                assertNull(screen.enrol())
                assertTrue(screen.state.value.message!!.text.contains("invite code"))

                screen.setCode("AAAA-BBBB-CCCC-DDDD")
                screen.enrol()!!.join()
                val refused = screen.state.value
                assertNull(refused.enrolledAs)
                val text = assertNotNull(refused.message).text
                assertTrue(text.contains("invite code is not valid"), text)

                screen.setCode(hubEnv("LINKWORK_TEST_HUB_CODE_SAM"))
                screen.enrol()!!.join()
                assertEquals("Sam, link worker at Northside", screen.state.value.enrolledAs, "${screen.state.value}")

                val ada = sam.addPerson(newPerson(given = "Ada"))
                val sent = samHub.sync(url)
                assertTrue(sent.stats.messagesSent > 0)

                val tess = linkWorker("tess.db", "tess")
                val tessHub = tess.read { HubSync(it, JdkHubSocket.connector, Dispatchers.IO) }
                tessHub.enrol(url, hubEnv("LINKWORK_TEST_HUB_CODE_TESS"))
                // The team lead of Sam's team receives his caseload through the hub.
                val received = tessHub.sync(url)
                assertEquals(listOf(ada), received.changedPersonIds)
                assertNotNull(tess.read { it.person(ada) }.caseRecord)
                // Connecting again without sync: nothing changes.
                assertTrue(tessHub.sync(url, HubPurpose.CONNECT).changedPersonIds.isEmpty())
            }
        },
        DemoTest("hub: the remembered hub is read back as untrusted") {
            world {
                val file = File(dir, "hub-settings")
                val settings = FileHubSettingsStore(file, Dispatchers.IO)
                assertNull(settings.load())
                settings.save(HubSettings("wss://hub.example:8443/"))
                assertEquals(HubSettings("wss://hub.example:8443"), settings.load())
                // Edited or damaged on disk: not a hub address, or far too long, reads as none.
                file.writeText("http://hub.example\n")
                assertNull(settings.load())
                file.writeText("wss://hub.example:8443\n" + " ".repeat(FileHubSettingsStore.MAX_SETTINGS_BYTES.toInt()))
                assertNull(settings.load())
                assertFailsWith<IllegalArgumentException> { settings.save(HubSettings("ws://hub.example")) }
                settings.save(HubSettings("ws://127.0.0.1:9000"))
                assertEquals(HubSettings("ws://127.0.0.1:9000"), FileHubSettingsStore(file, Dispatchers.IO).load())
                settings.clear()
                assertNull(settings.load())
                assertFalse(file.exists())
            }
        },
        DemoTest("hub: a message is bounded at core's frame bound, in parts or whole") {
            val bound = HubMessageBound()
            bound.count(HUB_MAX_MESSAGE_BYTES, last = true)
            // Parts of one message add up; the part that goes over is refused, before it is kept.
            bound.count(HUB_MAX_MESSAGE_BYTES / 2, last = false)
            bound.count(HUB_MAX_MESSAGE_BYTES / 2, last = false)
            val over = assertFailsWith<HubMessageTooLargeException> { bound.count(1, last = true) }
            assertEquals(HUB_MAX_MESSAGE_BYTES.toLong() + 1, over.size)
            // Each message is counted from zero.
            bound.count(HUB_MAX_MESSAGE_BYTES, last = true)
            assertFailsWith<HubMessageTooLargeException> { bound.count(HUB_MAX_MESSAGE_BYTES + 1, last = true) }
            val text = userMessage(over).text
            assertTrue(text.contains("team hub sent more"), text)

            // The bound is core's: core refuses one byte more as too large (Hub, not retryable),
            // and reads a frame of exactly the bound (refusing it for what it is).
            world {
                val store = linkWorker("bound.db", "bound")
                val tooLarge = store.read { s ->
                    assertFailsWith<LinkWorkException.Hub> {
                        s.hubEnrol("AAAA-BBBB").enrolment.receive(ByteArray(HUB_MAX_MESSAGE_BYTES + 1))
                    }
                }
                assertFalse(tooLarge.retryable)
                val atBound = store.read { s ->
                    runCatching { s.hubEnrol("AAAA-BBBB").enrolment.receive(ByteArray(HUB_MAX_MESSAGE_BYTES)) }.exceptionOrNull()
                }
                assertTrue(atBound is LinkWorkException && atBound !is LinkWorkException.Hub, "$atBound")
            }
        },
        DemoTest("hub: the sync screen remembers the hub after enrolment, syncs a person to a second store, and shows refusals") {
            world {
                val url = hubEnv("LINKWORK_TEST_HUB_URL")
                val umaCode = hubUser("Uma", "link-worker", "West")
                val vicCode = hubUser("Vic", "team-lead", "West")
                val uma = linkWorker("uma.db", "uma")
                val umaHub = uma.read { HubSync(it, JdkHubSocket.connector, Dispatchers.IO) }
                val settingsFile = File(dir, "hub-settings")
                val umaScreen = HubSyncViewModel(uma, umaHub, FileHubSettingsStore(settingsFile, Dispatchers.IO), scope, clock)

                // Before enrolment: no hub, and a sync is refused with a message.
                umaScreen.refresh().join()
                assertNull(umaScreen.state.value.hub)
                assertNull(umaScreen.sync())
                assertTrue(umaScreen.state.value.message!!.text.contains("Enrol"), "${umaScreen.state.value}")

                val enrol = EnrolViewModel(umaHub, scope, FileHubSettingsStore(settingsFile, Dispatchers.IO))
                enrol.setAddress("$url/")
                enrol.setCode(umaCode)
                enrol.enrol()!!.join()
                assertEquals("Uma, link worker at Northside", enrol.state.value.enrolledAs, "${enrol.state.value}")
                // Remembered on disk (as the app finds it after a restart), without the slash.
                assertEquals(HubSettings(url), FileHubSettingsStore(settingsFile, Dispatchers.IO).load())
                umaScreen.refresh().join()
                assertEquals(url, umaScreen.state.value.hub)

                val ada = uma.addPerson(newPerson(given = "Ada"))
                umaScreen.sync()!!.join()
                val sent = umaScreen.state.value
                assertNull(sent.message, "$sent")
                assertTrue(sent.last!!.messages > 0, "$sent")
                assertEquals(false, sent.syncing)

                // Vic, Uma's team lead, receives Ada through the hub.
                val vic = linkWorker("vic.db", "vic")
                val vicHub = vic.read { HubSync(it, JdkHubSocket.connector, Dispatchers.IO) }
                val vicSettings = InMemoryHubSettingsStore()
                EnrolViewModel(vicHub, scope, vicSettings).apply {
                    setAddress(url)
                    setCode(vicCode)
                    enrol()!!.join()
                    assertNotNull(state.value.enrolledAs, "${state.value}")
                }
                val vicScreen = HubSyncViewModel(vic, vicHub, vicSettings, scope, clock)
                vicScreen.refresh().join()
                vicScreen.sync()!!.join()
                assertEquals(listOf("Ada Lovelace"), vicScreen.state.value.last?.merged, "${vicScreen.state.value}")
                assertNotNull(vic.read { it.personBlocking(ada) }.caseRecord)

                // A message over the bound (here a tiny one) ends the sync with its message.
                val tiny = HubSyncViewModel(vic, HubSync(vic.read { it }, JdkHubSocket.bounded(16), Dispatchers.IO), vicSettings, scope, clock)
                tiny.refresh().join()
                tiny.sync()!!.join()
                assertTrue(tiny.state.value.message!!.text.contains("team hub sent more"), "${tiny.state.value}")

                // Revoked: the hub refuses the device before admitting it (core's typed error,
                // LinkWorkException.Hub, closed before the revocation list); the screen says so.
                val refusedText = userMessage(HubRefusedDeviceException(LinkWorkException.Hub(retryable = true, reason = "closed"))).text
                assertTrue(refusedText.contains("did not accept this device"), refusedText)
                hubAdmin("device", "revoke", uma.read { it.deviceIdentityBlocking().deviceKey })
                umaScreen.sync()!!.join()
                val revoked = umaScreen.state.value
                assertEquals(false, revoked.syncing)
                assertEquals(refusedText, revoked.message?.text, "$revoked")
                assertFailsWith<HubRefusedDeviceException> { umaHub.sync(url) }

                // Another organisation's hub refuses the device during the handshake: nothing is
                // shared, and the screen says so.
                otherOrganisationsHub(dir) { other ->
                    vicSettings.save(HubSettings(other))
                    vicScreen.refresh().join()
                    assertEquals(other, vicScreen.state.value.hub)
                    vicScreen.sync()!!.join()
                    val refused = vicScreen.state.value
                    assertEquals(refusedText, refused.message?.text, "$refused")
                    assertFailsWith<HubRefusedDeviceException> { vicHub.sync(other) }
                }
            }
        },
    )
}
