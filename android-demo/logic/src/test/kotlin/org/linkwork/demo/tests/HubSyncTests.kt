// The demo's hub sync (HubSync, EnrolViewModel) against the real `linkwork-hub` that
// tests/kotlin/run.sh starts (scripts/test-hub.sh), over the JDK's java.net.http WebSocket
// standing in for the app module's OkHttp.
package org.linkwork.demo.tests

import java.io.ByteArrayOutputStream
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
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.linkwork.core.HubPurpose
import org.linkwork.demo.sync.EnrolViewModel
import org.linkwork.demo.sync.HubConnector
import org.linkwork.demo.sync.HubSocket
import org.linkwork.demo.sync.HubSync
import org.linkwork.demo.sync.parseHubAddress

/** A [HubSocket] over java.net.http's WebSocket. */
class JdkHubSocket private constructor() : HubSocket, WebSocket.Listener {
    private val inbox = Channel<ByteArray?>(Channel.UNLIMITED)
    private var partial = ByteArrayOutputStream()
    private lateinit var ws: WebSocket

    override fun onBinary(ws: WebSocket, data: ByteBuffer, last: Boolean): CompletionStage<*>? {
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

    override suspend fun receive(): ByteArray? = withTimeout(15_000) { inbox.receive() }

    override fun close() {
        if (::ws.isInitialized) ws.abort()
    }

    companion object {
        private val client = HttpClient.newHttpClient()

        val connector = HubConnector { url ->
            val socket = JdkHubSocket()
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
                assertNotNull(tess.read { it.personBlocking(ada) }.caseRecord)
                // Connecting again without sync: nothing changes.
                assertTrue(tessHub.sync(url, HubPurpose.CONNECT).changedPersonIds.isEmpty())
            }
        },
    )
}
