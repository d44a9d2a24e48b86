package org.linkwork.demo.ui

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.launch

/**
 * Base of the demo's view models: plain Kotlin, no Android types. Work runs in [scope] (on
 * Android the `viewModelScope` of the `ViewModel` that holds this object; in tests and the
 * command-line demo a scope of their own); store calls move to the I/O dispatcher inside the
 * repository. State is exposed by subclasses as `StateFlow`s.
 */
abstract class ScreenModel(protected val scope: CoroutineScope) {
    /**
     * Launches [block] in [scope]; a failure becomes a [UserMessage] passed to [onError] instead
     * of crashing the screen. Returns the job so callers (tests, the command-line demo) can wait.
     */
    protected fun launchAction(onError: (UserMessage) -> Unit, block: suspend CoroutineScope.() -> Unit): Job =
        scope.launch {
            try {
                block()
            } catch (e: TimeoutCancellationException) {
                onError(userMessage(e))
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                ensureActive() // cancelled while failing (e.g. a socket closed by the cancel): no message
                onError(userMessage(e))
            }
        }
}
