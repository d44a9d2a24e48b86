package org.linkwork.demo.data

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext
import org.linkwork.LinkWorkStore
import org.linkwork.demo.ui.ScreenModel
import org.linkwork.demo.ui.UserMessage

/** Whether the device's caseload is open. */
sealed interface SessionState {
    /** Opening the store (it may migrate): show a progress indicator. */
    data object Opening : SessionState

    /** Open: the screens use [repository]. */
    data class Ready(val repository: LinkWorkRepository) : SessionState

    /** Could not open (e.g. the key does not unlock it): show [message]. */
    data class Failed(val message: UserMessage) : SessionState
}

/**
 * Opens the link worker's caseload off the main thread when the app starts, and closes it at
 * the end. The store file is [storeName] in the provider's directory. [enrol], when given, runs
 * on the open store before the screens see it (the demo enrols the device with its demo
 * organisation on first run: `identity.DemoOrganisation.ensureEnrolled`).
 */
class DeviceSession(
    private val provider: StoreProvider,
    private val storeName: String,
    private val user: String,
    private val io: CoroutineDispatcher,
    scope: CoroutineScope,
    private val enrol: (suspend (LinkWorkStore) -> Unit)? = null,
) : ScreenModel(scope) {
    private val mutableState = MutableStateFlow<SessionState>(SessionState.Opening)

    /** The session's state. */
    val state: StateFlow<SessionState> = mutableState.asStateFlow()

    /** Opens the store (again, after a failure). */
    fun open(): Job {
        mutableState.value = SessionState.Opening
        return launchAction({ mutableState.value = SessionState.Failed(it) }) {
            val store = withContext(io) {
                val store = provider.openOrCreateLinkWorker(storeName, user)
                try {
                    enrol?.invoke(store)
                } catch (e: Exception) {
                    store.close()
                    throw e
                }
                store
            }
            val repository = LinkWorkRepository(store, io)
            repository.refreshUnsynced()
            mutableState.value = SessionState.Ready(repository)
        }
    }

    /** Closes the store if it is open. */
    fun close() {
        (mutableState.value as? SessionState.Ready)?.repository?.close()
        mutableState.value = SessionState.Opening
    }
}
