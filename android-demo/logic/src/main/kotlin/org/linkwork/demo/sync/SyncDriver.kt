package org.linkwork.demo.sync

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.linkwork.core.LinkWorkException
import org.linkwork.LinkWorkStore
import org.linkwork.PeerInfo
import org.linkwork.SecureChannel
import org.linkwork.SyncSession
import org.linkwork.SyncStats

/** What one finished sync session did. */
data class SyncOutcome(
    /** Who the peer is: from its verified certificate when both devices are enrolled. */
    val peer: PeerInfo?,
    /** Messages and bytes each way. */
    val stats: SyncStats,
    /** People whose records changed on this device because of the session. */
    val changedPersonIds: List<String>,
    /** Whether both sides agreed they were done. */
    val complete: Boolean,
)

/**
 * Runs one sync session of [store] over a [SyncTransport], following the reference transport's
 * rules: first the authenticated channel's handshake (each device proves its certificate; two
 * unenrolled demo stores connect only because both pass [allowUnenrolled]), then every received
 * message is opened with the channel and goes to the session, and its reply, if any, goes back
 * sealed; a side
 * whose step has no reply has finished and says so with [SyncTransport.finishSending]; the
 * stream ending before the session completed is a retryable failure (nothing received is lost:
 * every message is stored as it arrives). Store and session calls are the core's suspend calls;
 * the two it offers only blocking (starting or accepting the session) run on [io].
 */
class SyncDriver(
    private val store: LinkWorkStore,
    private val io: CoroutineDispatcher,
    /** How long the peer may stay silent mid-session. */
    private val silenceMillis: Long = 30_000,
    /** The demo's stores are not enrolled: they opt in to each other (never in a release). */
    private val allowUnenrolled: Boolean = true,
) {
    /** This side starts the session (a phone syncing with a colleague or the hub). */
    suspend fun connect(transport: SyncTransport): SyncOutcome = transport.use {
        val channel = handshake(transport, connect = true)
        val start = withContext(io) { store.syncStartAuthenticated(channel) }
        start.session.use { session ->
            transport.send(channel.seal(start.message))
            exchange(session, transport, channel)
        }
    }

    /** This side answers a session the peer starts (the hub, or the colleague's phone). */
    suspend fun accept(transport: SyncTransport): SyncOutcome = transport.use {
        val channel = handshake(transport, connect = false)
        withContext(io) { store.syncAcceptAuthenticated(channel) }.use { session ->
            exchange(session, transport, channel)
        }
    }

    /** Runs the channel's handshake until the peer is proven (or refused: `Untrusted`). */
    private suspend fun handshake(transport: SyncTransport, connect: Boolean): SecureChannel {
        val channel = if (connect) {
            store.secureChannelInitiate(allowUnenrolled).also { transport.send(it.message) }.channel
        } else {
            store.secureChannelAccept(allowUnenrolled)
        }
        while (!channel.isOpen()) {
            val message = withTimeout(silenceMillis) { transport.receive() }
                ?: throw LinkWorkException.Sync(retryable = true, reason = "the peer closed the connection during the secure handshake")
            channel.receiveHandshake(message)?.let { transport.send(it) }
        }
        return channel
    }

    private suspend fun exchange(session: SyncSession, transport: SyncTransport, channel: SecureChannel): SyncOutcome {
        while (true) {
            val sealed = withTimeout(silenceMillis) { transport.receive() } ?: break
            val message = channel.open(sealed)
            val step = session.receive(message)
            val reply = step.reply
            if (reply != null) {
                transport.send(channel.seal(reply))
            } else {
                transport.finishSending()
            }
        }
        if (!session.isComplete()) {
            throw LinkWorkException.Sync(retryable = true, reason = "the peer closed the connection before the session completed")
        }
        return SyncOutcome(session.peer(), session.stats(), session.changedPersonIds(), complete = true)
    }
}
