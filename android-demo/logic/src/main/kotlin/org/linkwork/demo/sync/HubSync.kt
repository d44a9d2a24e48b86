package org.linkwork.demo.sync

import java.io.IOException
import java.net.URI
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext
import org.linkwork.DeviceCertificate
import org.linkwork.HubOutcome
import org.linkwork.LinkWorkStore
import org.linkwork.core.HubPhase
import org.linkwork.core.HubPurpose
import org.linkwork.core.LinkWorkException

/**
 * One WebSocket to the team hub, supplied by the app (OkHttp on Android, `java.net.http` in the
 * tests): one binary message per frame.
 */
interface HubSocket : AutoCloseable {
    /** Sends one binary message. */
    suspend fun send(message: ByteArray)

    /**
     * The next binary message, or `null` once the hub closed the connection. Throws
     * [HubMessageTooLargeException] (after closing the connection) for a message over
     * [HUB_MAX_MESSAGE_BYTES] ([HubMessageBound] decides), `IOException` when the connection
     * failed.
     */
    suspend fun receive(): ByteArray?

    /** Closes the connection. Idempotent. */
    override fun close()
}

/**
 * The hub closed the connection before admitting this device (core's `HubPhase.HANDSHAKE` or
 * `REVOCATIONS`): it refused the device, which was revoked, is not enrolled with it, or belongs
 * to another organisation. Nothing was shared. [cause] is core's typed error
 * (`LinkWorkException.Hub`). Trying again will not help until an administrator acts.
 */
class HubRefusedDeviceException(override val cause: LinkWorkException.Hub) :
    IOException("the hub refused this device", cause)

/** Opens a [HubSocket] to a full URL (`wss://HOST[:PORT]/enrol` or `/connect`). */
fun interface HubConnector {
    suspend fun open(url: String): HubSocket
}

/**
 * A hub address as the enrol screen takes it: `wss://HOST[:PORT]` (a trailing `/` allowed), or
 * `ws://` on the loopback interface only (a hub on this machine: the emulator's tests). `null`
 * for anything else.
 */
fun parseHubAddress(text: String): String? {
    val trimmed = text.trim().removeSuffix("/")
    val uri = runCatching { URI(trimmed) }.getOrNull() ?: return null
    val host = uri.host ?: return null
    if (!uri.path.isNullOrEmpty() || uri.query != null || uri.userInfo != null) return null
    return when (uri.scheme) {
        "wss" -> trimmed
        "ws" -> trimmed.takeIf { host == "localhost" || host == "127.0.0.1" || host == "[::1]" }
        else -> null
    }
}

/**
 * Enrols [store]'s device with the team hub and syncs it there, over sockets from [connector];
 * every decision is core's (`HubEnrolment`, `HubSession`), this class only moves frames. Store
 * calls run on [io].
 */
class HubSync(
    private val store: LinkWorkStore,
    private val connector: HubConnector,
    private val io: CoroutineDispatcher,
) {
    /**
     * Enrols with the hub at [address] (see [parseHubAddress]) using the one-time [code]:
     * the certificate installed. Throws `LinkWorkException.EnrolmentRefused` for a wrong,
     * used or expired code, `LinkWorkException.Hub` when the hub closes without an answer,
     * `IOException` when it cannot be reached.
     */
    suspend fun enrol(address: String, code: String): DeviceCertificate {
        val start = withContext(io) { store.hubEnrol(code) }
        return connector.open("$address/enrol").use { socket ->
            socket.send(start.message)
            val answer = socket.receive()
            withContext(io) {
                if (answer == null) {
                    start.enrolment.closed()
                    throw IOException("the hub closed the connection without answering")
                }
                start.enrolment.receive(answer)
            }
        }
    }

    /**
     * One connection to the hub at [address] for [purpose] (sync by default), to the end: what
     * it did. Throws [HubRefusedDeviceException] when the hub closes before admitting this
     * device (revoked, not enrolled with it, another organisation's hub), `LinkWorkException.Hub`
     * (retryable) when it closes later, [HubMessageTooLargeException] for a message over the
     * bound, and the core's errors for anything the hub sent that this device refuses.
     */
    suspend fun sync(address: String, purpose: HubPurpose = HubPurpose.SYNC): HubOutcome {
        val start = withContext(io) { store.hubSession(purpose) }
        start.session.use { session ->
            connector.open("$address/connect").use { socket ->
                socket.send(start.message)
                while (true) {
                    val frame = socket.receive()
                    if (frame == null) {
                        val phase = session.phase()
                        try {
                            withContext(io) { session.closed() }
                        } catch (e: LinkWorkException.Hub) {
                            if (phase == HubPhase.HANDSHAKE || phase == HubPhase.REVOCATIONS) throw HubRefusedDeviceException(e)
                            throw e
                        }
                        break
                    }
                    val step = withContext(io) { session.receive(frame) }
                    step.send.forEach { socket.send(it) }
                    if (step.done) break
                }
            }
            return session.outcome() ?: throw IOException("the hub session did not complete")
        }
    }
}
