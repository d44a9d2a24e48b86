package org.linkwork.demo.data

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.linkwork.LinkWorkStore
import org.linkwork.PersonRecord
import org.linkwork.caseloadFlow
import org.linkwork.changes
import org.linkwork.personFlow
import org.linkwork.core.CaseloadEntry
import org.linkwork.core.CaseloadQuery
import org.linkwork.core.NewPerson
import org.linkwork.core.Role
import org.linkwork.core.StoreInfo
import org.linkwork.demo.sync.SyncDriver
import org.linkwork.demo.sync.SyncOutcome
import org.linkwork.demo.sync.SyncTransport

/**
 * The screens' access to one open store, through the core's asynchronous API: every store call
 * is a `suspend` call that runs on the core's own I/O threads, so it is safe from the main
 * dispatcher and never occupies it; screens observe their data as Flows ([caseload], [person])
 * that follow every change the store reports, whoever made it (this device, an import or a
 * sync). [unsyncedPeople] says which people have changes the team has not seen.
 *
 * The repository owns [store] and closes it in [close].
 *
 * @param io runs the calls the core offers only blocking (the sync session's constructors),
 *   so they never run on the caller's thread either.
 */
class LinkWorkRepository(
    private val store: LinkWorkStore,
    private val io: CoroutineDispatcher,
) : AutoCloseable {
    private val unsynced = MutableStateFlow<Set<String>>(emptySet())
    private val unsyncedReads = Mutex()

    /**
     * People whose records changed, as the store reports them (local edits and merges), for as
     * long as it is collected: collecting subscribes a store listener, cancelling the collector
     * removes it.
     */
    val changes: Flow<Set<String>> = store.changes().map { it.toSet() }

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

    /** The caseload list for [query], now and after every change to anyone in the store. */
    fun caseload(query: CaseloadQuery): Flow<List<CaseloadEntry>> = store.caseloadFlow(query)

    /**
     * [personId]'s whole record, now and after every change to that person; the Flow fails
     * with [org.linkwork.core.LinkWorkException.NotFound] when the person is not (or no longer)
     * on this device.
     */
    fun person(personId: String): Flow<PersonRecord> = store.personFlow(personId)

    /** Runs a read of the store: [block] makes the store's suspend calls. */
    suspend fun <T> read(block: suspend (LinkWorkStore) -> T): T = block(store)

    /**
     * Runs an edit of [personId]'s record ([block] makes the store's suspend calls), then
     * refreshes [unsyncedPeople].
     */
    suspend fun <T> edit(personId: String, block: suspend (LinkWorkStore) -> T): T =
        block(store).also { refreshUnsynced() }

    /** Adds a person from a referral; they are unsynced until a link-worker peer has them. */
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

    /**
     * Asks the core again which people the team has not seen changes of. Reads run one at a
     * time, so an older answer never replaces a newer one.
     */
    suspend fun refreshUnsynced() = unsyncedReads.withLock {
        // Peers come most recently synced first.
        val peer = store.peers().firstOrNull { it.role == Role.LINK_WORKER }
        unsynced.value = if (peer == null) {
            store.documents().map { it.personId }.toSet()
        } else {
            store.unsyncedPeople(peer.storeId).toSet()
        }
    }

    /** Closes the store (Flows still collected fail from then on). */
    override fun close() {
        store.close()
    }
}
