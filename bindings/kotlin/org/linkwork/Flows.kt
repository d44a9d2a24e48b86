// Observation for Kotlin apps: cold Flows over LinkWorkStore.subscribe. Hand-written, shipped
// beside the generated bindings (scripts/package-android.sh puts it in the .aar; the test command
// compiles it with them).
//
// Each Flow subscribes when it is collected and cancels its Subscription when the collector is
// cancelled, so a screen that stops collecting stops listening, and no listener keeps a store
// alive. The first value is emitted at once; later values after each change that concerns it,
// conflated (a slow collector sees the latest state, never a backlog). Store reads are the
// suspend calls: they run on the core's I/O threads, never on the collector's thread.
package org.linkwork

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.channels.Channel
import org.linkwork.core.CaseloadEntry
import org.linkwork.core.CaseloadQuery
import org.linkwork.core.KnownPeer

/**
 * The ids of the people whose documents changed, one list per local edit, import or merged sync
 * message, for as long as the Flow is collected. Nothing is dropped (an unlimited buffer):
 * collect it quickly or use the screen Flows below, which conflate.
 */
fun LinkWorkStore.changes(): Flow<List<String>> = callbackFlow {
    val subscription = subscribe(object : ChangeListener {
        override fun peopleChanged(personIds: List<String>) {
            // An empty list is a completed sync that changed nobody: not a change of people.
            if (personIds.isNotEmpty()) trySend(personIds)
        }
    })
    awaitClose { subscription.close() }
}.buffer(Channel.UNLIMITED)

/** One signal at once, then one per change for which [concerns] holds; conflated. */
private fun LinkWorkStore.refreshes(concerns: (List<String>) -> Boolean): Flow<Unit> = callbackFlow {
    val subscription = subscribe(object : ChangeListener {
        override fun peopleChanged(personIds: List<String>) {
            if (concerns(personIds)) trySend(Unit)
        }
    })
    send(Unit)
    awaitClose { subscription.close() }
}.conflate()

/** The caseload list for [query], now and after every change to anyone in the store. */
fun LinkWorkStore.caseloadFlow(query: CaseloadQuery = CaseloadQuery()): Flow<List<CaseloadEntry>> =
    refreshes { it.isNotEmpty() }.map { caseload(query) }

/**
 * One person's whole record, now and after every change to that person. Completes with
 * [org.linkwork.core.LinkWorkException.NotFound] when the person is erased.
 */
fun LinkWorkStore.personFlow(personId: String): Flow<PersonRecord> =
    refreshes { personId in it }.map { person(personId) }

/**
 * Sync status: the stores this one has synced with, each with its last sync time, and the
 * people with unresolved conflicts; now and after every change (an edit, an import) and every
 * completed sync, also one that changed nobody.
 */
fun LinkWorkStore.syncStatusFlow(): Flow<SyncStatus> =
    refreshes { true }.map { SyncStatus(peers(), conflictedPeople().map { it.personId }) }

/** What [syncStatusFlow] emits. */
data class SyncStatus(
    /** Every store this one has synced with, with its last sync time. */
    val peers: List<KnownPeer>,
    /** The people with fields devices set concurrently and nobody resolved yet. */
    val conflictedPersonIds: List<String>,
)
