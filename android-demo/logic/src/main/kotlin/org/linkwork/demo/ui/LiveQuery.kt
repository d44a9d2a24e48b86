package org.linkwork.demo.ui

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.collectLatest
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.updateAndGet
import kotlinx.coroutines.launch

/**
 * A screen's view of an observed store query (the bindings' `caseloadFlow`, `personFlow`):
 * collects [source] for the current key in [scope] (the view model's), so the screen follows
 * every change the store reports, and restarts it for a new key ([load]) or on demand
 * ([load] with the same key: a pull to refresh). One collection at a time, so an older read
 * never overwrites a newer one. Cancelling [scope] cancels the collection, and with it the
 * store listener behind the Flow.
 *
 * [onValue] and [onError] run in [scope] (on Android the main thread). A failure of the Flow
 * (e.g. `NotFound` when a person is erased) goes to [onError]; the query then waits for the
 * next [load].
 */
class LiveQuery<K, T>(
    private val scope: CoroutineScope,
    initial: K,
    private val source: (K) -> Flow<T>,
    private val onValue: (K, T) -> Unit,
    private val onError: (K, Exception) -> Unit,
) {
    private data class Request<K>(val key: K, val generation: Long)

    private val requests = MutableStateFlow(Request(initial, 0))
    private val answered = MutableStateFlow<Request<K>?>(null)

    init {
        scope.launch {
            requests.collectLatest { request ->
                try {
                    source(request.key).collect { value ->
                        onValue(request.key, value)
                        answered.value = request
                    }
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    onError(request.key, e)
                    answered.value = request
                }
            }
        }
    }

    /** The key whose results are (or are about to be) shown. */
    val key: K get() = requests.value.key

    /**
     * Shows the results for [key] (the current one by default: reads again), restarting the
     * observation. The returned job completes once a result read after this call was shown
     * (or failed), or a later [load] superseded it.
     */
    fun load(key: K = requests.value.key): Job {
        val request = requests.updateAndGet { Request(key, it.generation + 1) }
        return scope.launch { answered.first { it == request || requests.value != request } }
    }
}
