// The team hub from Kotlin: enrolment and sync against a real `linkwork-hub` that
// tests/kotlin/run.sh starts (scripts/test-hub.sh: plain WebSocket on loopback, an organisation,
// users and invite codes passed in LINKWORK_TEST_HUB_*), over the JDK's java.net.http WebSocket.
// The app owns the transport; core's HubEnrolment and HubSession decide everything.
package org.linkwork.tests

import java.net.URI
import java.net.http.HttpClient
import java.net.http.WebSocket
import java.nio.ByteBuffer
import java.util.concurrent.CompletionStage
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.linkwork.*
import org.linkwork.core.*

/** One WebSocket to the hub: binary messages in a queue, `null` in it once the hub closed. */
class HubSocket private constructor() : WebSocket.Listener, AutoCloseable {
    private val received = LinkedBlockingQueue<Result<ByteArray>>()
    private var partial = java.io.ByteArrayOutputStream()
    private lateinit var ws: WebSocket

    override fun onBinary(ws: WebSocket, data: ByteBuffer, last: Boolean): CompletionStage<*>? {
        val bytes = ByteArray(data.remaining())
        data.get(bytes)
        partial.write(bytes)
        if (last) {
            received.add(Result.success(partial.toByteArray()))
            partial = java.io.ByteArrayOutputStream()
        }
        ws.request(1)
        return null
    }

    override fun onClose(ws: WebSocket, status: Int, reason: String): CompletionStage<*>? {
        received.add(Result.failure(IllegalStateException("closed")))
        return null
    }

    override fun onError(ws: WebSocket, error: Throwable) {
        received.add(Result.failure(error))
    }

    /** Sends one binary message. */
    fun send(bytes: ByteArray) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(15, TimeUnit.SECONDS)
    }

    /** The next binary message, or `null` once the hub closed the connection. */
    fun next(): ByteArray? {
        val r = received.poll(15, TimeUnit.SECONDS) ?: error("the hub did not answer within 15 s")
        return r.getOrNull()
    }

    override fun close() {
        if (!ws.isOutputClosed) runCatching { ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS) }
        ws.abort()
    }

    companion object {
        private val client: HttpClient = HttpClient.newHttpClient()

        fun open(url: String): HubSocket {
            val socket = HubSocket()
            socket.ws = client.newWebSocketBuilder().buildAsync(URI.create(url), socket).get(15, TimeUnit.SECONDS)
            return socket
        }
    }
}

/** The test hub's address and invite codes (tests/kotlin/run.sh sets them). */
object TestHub {
    private fun env(name: String): String =
        System.getenv(name) ?: error("$name is not set: run the suite with tests/kotlin/run.sh, which starts the hub")

    val url: String get() = env("LINKWORK_TEST_HUB_URL")
    fun code(user: String): String = env("LINKWORK_TEST_HUB_CODE_$user")

    /** Runs the hub's admin command (`linkwork-hub --database FILE ...args`): its stdout. */
    fun admin(vararg args: String): String {
        val cmd = env("LINKWORK_TEST_HUB_ADMIN").split(" ") + args
        val err = java.io.File.createTempFile("linkwork-hub", ".err")
        try {
            val p = ProcessBuilder(cmd).redirectError(err).start()
            val out = p.inputStream.readBytes().decodeToString()
            check(p.waitFor() == 0) { "linkwork-hub ${args.joinToString(" ")} failed: $out${err.readText()}" }
            return out
        } finally {
            err.delete()
        }
    }
}

/** Enrols `store` with the test hub using `code`: the certificate. */
suspend fun enrolWithHub(store: LinkWorkStore, code: String): DeviceCertificate {
    val start = store.hubEnrol(code)
    HubSocket.open("${TestHub.url}/enrol").use { ws ->
        ws.send(start.message)
        val answer = ws.next()
        if (answer == null) {
            start.enrolment.closed()
            error("closed() throws before an answer")
        }
        return start.enrolment.receive(answer)
    }
}

/** One hub session of `store` for `purpose`, to the end: what it did. */
suspend fun runHubSession(store: LinkWorkStore, purpose: HubPurpose): HubOutcome {
    val start = store.hubSession(purpose)
    HubSocket.open("${TestHub.url}/connect").use { ws ->
        ws.send(start.message)
        while (true) {
            val frame = ws.next()
            if (frame == null) {
                start.session.closed()
                break
            }
            val step = start.session.receive(frame)
            step.send.forEach(ws::send)
            if (step.done) break
        }
    }
    assertEquals(HubPhase.DONE, start.session.phase())
    return assertNotNull(start.session.outcome())
}

object HubTests {
    val all = listOf(
        TestCase("hub: a wrong invite code is refused with a typed error and nothing installed") {
            withTempDir { dir ->
                val store = dir.linkWorkerStore("wrong.db", "Ann")
                val e = assertFailsWith<LinkWorkException.EnrolmentRefused> {
                    enrolWithHub(store, "AAAA-BBBB-CCCC-DDDD")
                }
                assertEquals(EnrolmentRefusal.CODE_NOT_VALID, e.refusal)
                assertEquals(null, store.deviceIdentity().certificate)
                assertFailsWith<LinkWorkException.InvalidInput> { store.hubEnrol("  ") }
                // Not enrolled: no session can start.
                assertFailsWith<LinkWorkException.Untrusted> { store.hubSession(HubPurpose.SYNC) }
                store.close()
            }
        },
        TestCase("hub: two stores enrol with codes, a person syncs to the hub and reaches the other") {
            withTempDir { dir ->
                val ann = dir.linkWorkerStore("ann.db", "ann")
                val cert = enrolWithHub(ann, TestHub.code("ANN"))
                assertEquals("Ann", cert.name)
                assertEquals("Northside", cert.organisation)
                assertNotNull(ann.deviceIdentity().certificate)
                val lena = dir.linkWorkerStore("lena.db", "lena")
                enrolWithHub(lena, TestHub.code("LENA"))

                val rose = ann.addPerson(newPerson(given = "Rose"))
                val sent = runHubSession(ann, HubPurpose.SYNC)
                assertEquals("Northside", sent.hub.organisation)
                assertTrue(sent.stats.messagesSent > 0)
                assertEquals(HubDirectoryOutcome.NoDirectory, sent.directory)
                // The team lead's store receives the team's caseload through the hub.
                val received = runHubSession(lena, HubPurpose.SYNC)
                assertEquals(listOf(rose), received.changedPersonIds)
                assertEquals("Rose", assertNotNull(lena.person(rose).caseRecord).demographics.givenName)
                // A connection without sync: no documents, the revocation list and directory.
                val connected = runHubSession(lena, HubPurpose.CONNECT)
                assertTrue(connected.changedPersonIds.isEmpty())
                assertFalse(connected.revocationsInstalled)
                ann.close()
                lena.close()
            }
        },
        TestCase("hub: a patient's phone paired offline syncs its plan through the hub, until revoked") {
            withTempDir { dir ->
                // A link worker of its own (the suite's invite codes are one-time), in a team of
                // her own: the suite's team lead of North must not receive her people.
                TestHub.admin("user", "add", "Pia", "--role", "link-worker", "--team", "East")
                val pia = dir.linkWorkerStore("pia.db", "pia")
                enrolWithHub(pia, TestHub.admin("invite", "Pia").trim())
                val rose = pia.addPersonBlocking(newPerson(given = "Rose"))
                val iris = pia.addPersonBlocking(newPerson(given = "Iris"))
                runHubSession(pia, HubPurpose.SYNC)
                // Paired offline at the home visit: the hub never enrolled the phone.
                val offer = pia.pairPatientBlocking(rose, 365)
                val phone = LinkWorkStore.createPaired(dir.path("rose.db"), StoreKey.Unencrypted, "Rose", offer.payload, offer.code)
                val got = runHubSession(phone, HubPurpose.SYNC)
                assertEquals(listOf(rose), got.changedPersonIds)
                assertEquals(HubDirectoryOutcome.NotOffered, got.directory)
                assertEquals(listOf(rose), phone.caseloadBlocking(CaseloadQuery()).map { it.personId })
                assertFailsWith<LinkWorkException> { phone.planBlocking(iris) }
                // Her progress reaches the link worker through the hub.
                val goal = pia.addGoalBlocking(rose, NewGoal(text = "Walk to the shops"))
                runHubSession(pia, HubPurpose.SYNC)
                runHubSession(phone, HubPurpose.SYNC)
                phone.recordProgressBlocking(goal, NewProgress(rating = 7, note = null))
                runHubSession(phone, HubPurpose.SYNC)
                assertEquals(listOf(rose), runHubSession(pia, HubPurpose.SYNC).changedPersonIds)
                assertEquals(7, pia.planBlocking(rose).goals.single().progress.single().rating)
                // Revoked on the hub (`device list` shows the phone once it has connected).
                assertTrue(TestHub.admin("device", "list").contains("paired by Pia"))
                TestHub.admin("device", "revoke", phone.deviceIdentityBlocking().deviceKey)
                assertFailsWith<LinkWorkException.Hub> { runHubSession(phone, HubPurpose.SYNC) }
                phone.close()
                pia.close()
            }
        },
        TestCase("hub: a revoked device is refused at its next connection") {
            withTempDir { dir ->
                val rex = dir.linkWorkerStore("rex.db", "rex")
                enrolWithHub(rex, TestHub.code("REVOKED"))
                // Admitted before the revocation, so the refusal below is the revocation's.
                runHubSession(rex, HubPurpose.CONNECT)
                TestHub.admin("device", "revoke", rex.deviceIdentity().deviceKey)
                val e = assertFailsWith<LinkWorkException.Hub> { runHubSession(rex, HubPurpose.SYNC) }
                assertTrue(e.retryable, describe(e))
                rex.close()
            }
        },
    )
}
