package org.linkwork.demo.data

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.withContext
import org.linkwork.ChangeListener
import org.linkwork.LinkWorkStore
import org.linkwork.NewPerson
import org.linkwork.Role
import org.linkwork.StoreInfo
import org.linkwork.demo.sync.SyncDriver
import org.linkwork.demo.sync.SyncOutcome
import org.linkwork.demo.sync.SyncTransport

/**
 * The screens' access to one open store: every call runs on [io] (store calls block on disk),
 * every successful user action ([edit] call) counts once in [unsynced], and [changes] tells the
 * screens which people changed, whoever changed them (this device, an import or a sync).
 *
 * The repository owns [store] and closes it in [close].
 */
class LinkWorkRepository(
    private val store: LinkWorkStore,
    private val io: CoroutineDispatcher,
    /** This device's edits not yet synced with a link-worker peer. */
    val unsynced: UnsyncedChanges = UnsyncedChanges(),
) : AutoCloseable {
    private val changed = MutableSharedFlow<Set<String>>(extraBufferCapacity = 64)
    private val listenerToken: ULong = store.addListener(object : ChangeListener {
        override fun peopleChanged(personIds: List<String>) {
            // Runs on the thread that made the change; never let an exception cross into Rust.
            runCatching { changed.tryEmit(personIds.toSet()) }
        }
    })

    /** People whose records changed, as the store reports them (local edits and merges). */
    val changes: SharedFlow<Set<String>> = changed.asSharedFlow()

    /** Unsynced edit count by person id (see [UnsyncedChanges]). */
    val unsyncedByPerson: StateFlow<Map<String, Int>> get() = unsynced.byPerson

    /** Who this store acts as. Does not block. */
    val info: StoreInfo get() = store.info()

    /** Runs a read on [io]. */
    suspend fun <T> read(block: (LinkWorkStore) -> T): T = withContext(io) { block(store) }

    /**
     * Runs an edit of [personId]'s record on [io] and, when it succeeds, counts it as unsynced.
     * The block must change only that person.
     */
    suspend fun <T> edit(personId: String, block: (LinkWorkStore) -> T): T = withContext(io) {
        block(store).also { unsynced.recorded(personId) }
    }

    /** Adds a person from a referral; the new record counts as an unsynced edit. */
    suspend fun addPerson(person: NewPerson): String = withContext(io) {
        store.addPerson(person).also(unsynced::recorded)
    }

    /**
     * Runs one sync session over [transport] ([connect]: this side starts it; otherwise it
     * answers). When the session completes with a link-worker peer, the edits counted when it
     * started are no longer unsynced.
     */
    suspend fun sync(transport: SyncTransport, connect: Boolean = true): SyncOutcome {
        val before = unsynced.snapshot()
        val driver = SyncDriver(store, io)
        val outcome = if (connect) driver.connect(transport) else driver.accept(transport)
        if (outcome.complete && outcome.peer?.role == Role.LINK_WORKER) unsynced.synced(before)
        // People the peer erased are gone here too: nothing of theirs is left to sync.
        if (outcome.changedPersonIds.isNotEmpty()) {
            val erased = read { it.erasedPeople() }.map { it.personId }.toSet()
            outcome.changedPersonIds.filter { it in erased }.forEach(unsynced::forget)
        }
        return outcome
    }

    /** Stops listening and closes the store. */
    override fun close() {
        store.removeListener(listenerToken)
        store.close()
    }
}
