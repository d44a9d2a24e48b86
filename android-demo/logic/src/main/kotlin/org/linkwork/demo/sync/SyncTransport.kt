package org.linkwork.demo.sync

import java.io.DataInputStream
import java.io.DataOutputStream
import java.io.EOFException
import java.io.IOException
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ClosedReceiveChannelException
import kotlinx.coroutines.channels.ClosedSendChannelException
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * A byte pipe to one peer for one sync session. The core only turns bytes into bytes; moving
 * them (Nearby Connections, Bluetooth, a socket to the team hub, ...) is the app's job, and the
 * app must also authenticate the peer (see docs/sync.md).
 */
interface SyncTransport : AutoCloseable {
    /** Sends one whole message. */
    suspend fun send(message: ByteArray)

    /** The next whole message, or `null` once the peer has said it will send nothing more. */
    suspend fun receive(): ByteArray?

    /** Tells the peer this side will send nothing more; receiving still works. */
    suspend fun finishSending()

    /** Releases the connection. Idempotent. */
    override fun close()
}

/**
 * Two transports joined in memory: what one sends, the other receives. Stands in for a
 * nearby-device link in tests and in the command-line demo.
 */
class InProcessTransport private constructor(
    private val inbox: Channel<ByteArray>,
    private val outbox: Channel<ByteArray>,
) : SyncTransport {
    override suspend fun send(message: ByteArray) = try {
        outbox.send(message.copyOf())
    } catch (e: ClosedSendChannelException) {
        throw IOException("the peer closed the connection", e)
    }

    override suspend fun receive(): ByteArray? = try {
        inbox.receive()
    } catch (_: ClosedReceiveChannelException) {
        null
    }

    override suspend fun finishSending() {
        outbox.close()
    }

    override fun close() {
        outbox.close()
        inbox.close()
    }

    companion object {
        /** A connected pair: `first` talks to `second`. */
        fun pair(): Pair<SyncTransport, SyncTransport> {
            val aToB = Channel<ByteArray>(Channel.UNLIMITED)
            val bToA = Channel<ByteArray>(Channel.UNLIMITED)
            return InProcessTransport(bToA, aToB) to InProcessTransport(aToB, bToA)
        }
    }
}

/**
 * Sync over TCP with the framing of the reference transport (`linkwork sync serve`): each
 * message is a 4-byte big-endian length then the bytes; half-closing the stream says "nothing
 * more". Blocking socket calls run on [io]. Unencrypted and unauthenticated like the
 * reference: a real team hub needs TLS and peer authentication in front of it.
 */
class SocketTransport(private val socket: Socket, private val io: CoroutineDispatcher) : SyncTransport {
    private val input = DataInputStream(socket.getInputStream().buffered())
    private val output = DataOutputStream(socket.getOutputStream().buffered())

    override suspend fun send(message: ByteArray) = withContext(io) {
        require(message.size <= MAX_FRAME) { "message over 64 MiB" }
        output.writeInt(message.size)
        output.write(message)
        output.flush()
    }

    override suspend fun receive(): ByteArray? = withContext(io) {
        val length = try {
            input.readInt()
        } catch (_: EOFException) {
            return@withContext null
        }
        if (length < 0 || length > MAX_FRAME) throw IOException("frame of $length bytes refused")
        ByteArray(length).also(input::readFully)
    }

    override suspend fun finishSending() = withContext(io) {
        output.flush()
        socket.shutdownOutput()
    }

    override fun close() = socket.close()

    companion object {
        /** The largest frame sent or accepted, as in the reference transport. */
        const val MAX_FRAME = 64 * 1024 * 1024

        /**
         * Waits on [port] for one peer to connect (a colleague's phone on the same network)
         * and returns the connection; cancelling the caller stops the wait.
         */
        suspend fun acceptOne(port: Int, io: CoroutineDispatcher): SocketTransport {
            val server = ServerSocket(port)
            return try {
                coroutineScope {
                    val closer = launch { try { awaitCancellation() } finally { server.close() } }
                    val socket = withContext(io) { server.accept() }
                    closer.cancel()
                    socket.soTimeout = 30_000
                    SocketTransport(socket, io)
                }
            } finally {
                server.close()
            }
        }

        /** Connects to a hub at [host]:[port]; fails after [timeoutMillis] without an answer. */
        suspend fun connect(host: String, port: Int, io: CoroutineDispatcher, timeoutMillis: Int = 10_000): SocketTransport =
            withContext(io) {
                val socket = Socket()
                socket.connect(InetSocketAddress(host, port), timeoutMillis)
                socket.soTimeout = 30_000
                SocketTransport(socket, io)
            }
    }
}
