package org.linkwork.demo.app

import java.io.IOException
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ClosedReceiveChannelException
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.withTimeout
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.Response
import okhttp3.WebSocket
import okhttp3.WebSocketListener
import okio.ByteString
import okio.ByteString.Companion.toByteString
import org.linkwork.demo.sync.HUB_MAX_MESSAGE_BYTES
import org.linkwork.demo.sync.HubConnector
import org.linkwork.demo.sync.HubMessageBound
import org.linkwork.demo.sync.HubMessageTooLargeException
import org.linkwork.demo.sync.HubSocket

/**
 * The logic module's [HubSocket] over an OkHttp WebSocket: one binary message per frame, as the
 * hub speaks. TLS (`wss://`) is OkHttp's, with the platform's trusted CAs (a deployment with
 * its own CA adds it in a network security config). Received frames wait in a small bounded
 * queue: when it is full, OkHttp's reader thread blocks, so a fast hub cannot fill memory. A
 * message over core's frame bound ([HubMessageBound], [HUB_MAX_MESSAGE_BYTES]) is not queued:
 * the connection is cancelled and [receive] throws [HubMessageTooLargeException]. OkHttp has no
 * incoming size limit of its own and hands over a message only once it has read it whole, so
 * this bounds what the app keeps and passes to core (at most [FRAMES_QUEUED] messages of 4 MiB),
 * not OkHttp's buffer for the one message it is reading.
 */
class OkHttpHubSocket private constructor() : HubSocket, WebSocketListener() {
    private val opened = CompletableDeferred<Unit>()
    private val inbox = Channel<ByteArray>(capacity = FRAMES_QUEUED)
    private val bound = HubMessageBound()
    private lateinit var socket: WebSocket

    override fun onOpen(webSocket: WebSocket, response: Response) {
        opened.complete(Unit)
    }

    override fun onMessage(webSocket: WebSocket, bytes: ByteString) {
        try {
            bound.count(bytes.size, last = true)
        } catch (e: HubMessageTooLargeException) {
            // Not copied, not queued: the connection ends and receive() throws the reason.
            inbox.close(e)
            webSocket.cancel()
            return
        }
        // Blocks the reader thread while the queue is full (back-pressure); fails only once
        // the socket was closed on this side.
        inbox.trySendBlocking(bytes.toByteArray())
    }

    override fun onMessage(webSocket: WebSocket, text: String) {
        // The hub sends binary frames only: anything else ends the connection.
        webSocket.close(CLOSE_UNSUPPORTED, "binary frames only")
        inbox.close()
    }

    override fun onClosing(webSocket: WebSocket, code: Int, reason: String) {
        webSocket.close(CLOSE_NORMAL, null)
        inbox.close()
    }

    override fun onClosed(webSocket: WebSocket, code: Int, reason: String) {
        inbox.close()
    }

    override fun onFailure(webSocket: WebSocket, t: Throwable, response: Response?) {
        opened.completeExceptionally(IOException("cannot reach the hub", t))
        inbox.close(IOException("the connection to the hub failed", t))
    }

    override suspend fun send(message: ByteArray) {
        if (!socket.send(message.toByteString())) throw IOException("the connection to the hub is closed")
    }

    override suspend fun receive(): ByteArray? = try {
        inbox.receive()
    } catch (_: ClosedReceiveChannelException) {
        null
    }

    override fun close() {
        if (::socket.isInitialized) socket.close(CLOSE_NORMAL, null)
        inbox.close()
    }

    companion object {
        private const val CLOSE_NORMAL = 1000
        private const val CLOSE_UNSUPPORTED = 1003
        private const val FRAMES_QUEUED = 8
        private const val OPEN_TIMEOUT_MS = 15_000L

        /** The app's client: connection and read timeouts for a phone in a car park. */
        fun client(): OkHttpClient = OkHttpClient.Builder()
            .connectTimeout(15, TimeUnit.SECONDS)
            .readTimeout(60, TimeUnit.SECONDS)
            .pingInterval(20, TimeUnit.SECONDS)
            .build()

        /** Opens sockets to the hub with [client]; `open` returns once the WebSocket is open. */
        fun connector(client: OkHttpClient): HubConnector = HubConnector { url ->
            val hubSocket = OkHttpHubSocket()
            hubSocket.socket = client.newWebSocket(Request.Builder().url(url).build(), hubSocket)
            try {
                withTimeout(OPEN_TIMEOUT_MS) { hubSocket.opened.await() }
            } catch (e: TimeoutCancellationException) {
                hubSocket.socket.cancel()
                throw IOException("the hub did not answer", e)
            } catch (e: CancellationException) {
                hubSocket.socket.cancel() // the caller gave up: no socket left behind
                throw e
            } catch (e: IOException) {
                hubSocket.socket.cancel()
                throw e
            }
            hubSocket
        }
    }
}
