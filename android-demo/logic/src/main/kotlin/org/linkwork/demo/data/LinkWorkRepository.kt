package org.linkwork.demo.data

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext
import org.linkwork.ChangeListener
import org.linkwork.LinkWorkStore
import org.linkwork.core.NewPerson
import org.linkwork.core.Role
import org.linkwork.core.StoreInfo
import org.linkwork.demo.sync.SyncDriver
import org.linkwork.demo.sync.SyncOutcome
import org.linkwork.demo.sync.SyncTransport

/**
 * The screens' access to one open store: every call runs on [io] (store calls block on disk),
 * [changes] tells the screens which people changed, whoever changed them (this device, an
 * import or a sync), and [unsyncedPeople] which people have changes the team has not seen.
 *
 * The repository owns [store] and closes it in [close].
 */
class LinkWorkRepository(
    private val store: LinkWorkStore,
    private val io: CoroutineDispatcher,
) : AutoCloseable {
    private val changed = MutableSharedFlow<Set<String>>(extraBufferCapacity = 64)
    // Cancelled in close(); it holds the store weakly, so it never keeps the store open.
    private val subscription = store.subscribe(object : ChangeListener {
        override fun peopleChanged(personIds: List<String>) {
            // Runs on the thread that made the change; never let an exception cross into Rust.
            // An empty list is a completed sync that changed nobody: sync() refreshes after it.
            if (personIds.isNotEmpty()) runCatching { changed.tryEmit(personIds.toSet()) }
        }
    })
    private val unsynced = MutableStateFlow<Set<String>>(emptySet())

    /** People whose records changed, as the store reports them (local edits and merges). */
    val changes: SharedFlow<Set<String>> = changed.asSharedFlow()

    /**
     * Ids of the people with changes that the link-worker store this device synced with most
     * recently (a colleague's phone or the team hub) has not seen, as the core says
     * (`unsyncedPeople`, from the store's per-peer sync state): the badge. Before any sync
     * with a link-worker store, everyone this store holds. Refreshed after every edit and
     * sync of this repository; [refreshUnsynced] after changes made elsewhere.
     */
    val unsyncedPeople: StateFlow<Set<String>> = unsynced.asStateFlow()

    /** Who this store acts as. Does not block. */
    val info: StoreInfo get() = store.info()

    /** Runs a read on [io]. */
    suspend fun <T> read(block: (LinkWorkStore) -> T): T = withContext(io) { block(store) }

    /** Runs an edit of [personId]'s record on [io], then refreshes [unsyncedPeople]. */
    suspend fun <T> edit(personId: String, block: (LinkWorkStore) -> T): T = withContext(io) {
        block(store).also { refreshUnsyncedNow() }
    }

    /**
     * Adds a person from a referral; they are unsynced until a link-worker peer has them. The
     * store's suspend call runs on the core's I/O threads: safe from the main dispatcher.
     */
    suspend fun addPerson(person: NewPerson): String =
        store.addPerson(person).also { refreshUnsynced() }

    /**
     * Runs one sync session over [transport] ([connect]: this side starts it; otherwise it
     * answers), then refreshes [unsyncedPeople].
     */
    suspend fun sync(transport: SyncTransport, connect: Boolean = true): SyncOutcome {
        val driver = SyncDriver(store, io)
        val outcome = if (connect) driver.connect(transport) else driver.accept(transport)
        refreshUnsynced()
        return outcome
    }

    /** Asks the core again which people the team has not seen changes of (on [io]). */
    suspend fun refreshUnsynced() = withContext(io) { refreshUnsyncedNow() }

    private fun refreshUnsyncedNow() {
        // Peers come most recently synced first.
        val peer = store.peersBlocking().firstOrNull { it.role == Role.LINK_WORKER }
        unsynced.value = if (peer == null) {
            store.documentsBlocking().map { it.personId }.toSet()
        } else {
            store.unsyncedPeopleBlocking(peer.storeId).toSet()
        }
    }

    /** Stops listening and closes the store. */
    override fun close() {
        subscription.close()
        store.close()
    }
}
