package org.linkwork.demo.sync

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.linkwork.LinkWorkException
import org.linkwork.LinkWorkStore
import org.linkwork.PeerInfo
import org.linkwork.SyncSession
import org.linkwork.SyncStats

/** What one finished sync session did. */
data class SyncOutcome(
    /** Who the peer said it was (a claim: the transport must authenticate it). */
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
 * rules: every received message goes to the session and its reply, if any, goes back; a side
 * whose step has no reply has finished and says so with [SyncTransport.finishSending]; the
 * stream ending before the session completed is a retryable failure (nothing received is lost:
 * every message is stored as it arrives).
 */
class SyncDriver(
    private val store: LinkWorkStore,
    private val io: CoroutineDispatcher,
    /** How long the peer may stay silent mid-session. */
    private val silenceMillis: Long = 30_000,
) {
    /** This side starts the session (a phone syncing with a colleague or the hub). */
    suspend fun connect(transport: SyncTransport): SyncOutcome = transport.use {
        val start = withContext(io) { store.syncStart() }
        start.session.use { session ->
            transport.send(start.message)
            exchange(session, transport)
        }
    }

    /** This side answers a session the peer starts (the hub, or the colleague's phone). */
    suspend fun accept(transport: SyncTransport): SyncOutcome = transport.use {
        withContext(io) { store.syncAccept() }.use { session -> exchange(session, transport) }
    }

    private suspend fun exchange(session: SyncSession, transport: SyncTransport): SyncOutcome {
        while (true) {
            val message = withTimeout(silenceMillis) { transport.receive() } ?: break
            val step = withContext(io) { session.receive(message) }
            val reply = step.reply
            if (reply != null) {
                transport.send(reply)
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
