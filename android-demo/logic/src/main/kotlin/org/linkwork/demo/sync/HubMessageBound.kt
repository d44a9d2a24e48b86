package org.linkwork.demo.sync

import java.io.IOException

/**
 * The largest binary message a device accepts from the team hub: core's frame bound
 * (`linkwork_core::hub_client::MAX_FRAME_BYTES`, 4 MiB, the hub's own WebSocket message limit).
 * Core refuses a larger frame too (`LinkWorkException.Hub`); bounding it in the socket means the
 * app neither queues nor copies one. A test checks that core refuses one byte more and not this.
 */
const val HUB_MAX_MESSAGE_BYTES: Int = 4 * 1024 * 1024

/**
 * The hub sent a message over [limit] bytes ([size]: what had arrived when it was refused, at
 * least `limit + 1`). The socket closes the connection and [HubSocket.receive] throws this;
 * no message of it reached the store. Retrying will not help until the hub or the app changes.
 */
class HubMessageTooLargeException(val size: Long, val limit: Int) :
    IOException("a message of at least $size bytes from the hub is over the limit of $limit")

/**
 * Counts the bytes of the message a [HubSocket] is receiving, part by part, and refuses it as
 * soon as it goes over [limit], before the rest is buffered: for WebSocket clients that deliver
 * a message in fragments (java.net.http) and those that deliver it whole (OkHttp: one part,
 * `last = true`). Not thread-safe: one reader per socket.
 */
class HubMessageBound(private val limit: Int = HUB_MAX_MESSAGE_BYTES) {
    private var received = 0L

    /**
     * Counts a part of [size] bytes of the current message; [last]: it ends the message (the
     * next part starts a new one). Throws [HubMessageTooLargeException] once the message is
     * over the limit: the caller closes the connection and reports it.
     */
    fun count(size: Int, last: Boolean) {
        require(size >= 0) { "a negative size" }
        received += size
        if (received > limit) {
            val total = received
            received = 0
            throw HubMessageTooLargeException(total, limit)
        }
        if (last) received = 0
    }
}
