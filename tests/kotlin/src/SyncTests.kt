// Sync through the byte API, with the suspend calls: two link-worker stores converging, broken
// messages as typed errors, conflicts surfaced and resolved, live mode, and sessions driven from
// their own threads (blocking variants there, as an app's own threads would). Costs, share
// policy, batching and erasure are tested in Rust (tests/tests/integration/sync_*.rs).
package org.linkwork.tests

import java.time.Duration
import java.time.Instant
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.test.*
import org.linkwork.*
import org.linkwork.core.*

/**
 * What one side of a finished exchange saw: [notices] holds each step's non-empty
 * `changedPersonIds` in order (what its listeners must have been told), [changed] their union.
 */
class SideResult(val stats: SyncStats, val notices: List<List<String>>, val peer: PeerInfo?) {
    val changed: Set<String> = notices.flatten().toSet()
}

/** Both sides of a finished exchange. */
class Exchange(val connecting: SideResult, val listening: SideResult, val messages: Int)

/**
 * Runs a whole session in memory: [from] connects, [to] listens, and every reply is handed to
 * the other side until a step has no reply. Checks that both sessions end complete.
 */
suspend fun sync(from: LinkWorkStore, to: LinkWorkStore): Exchange {
    val (a, first) = from.syncStart()
    val b = to.syncAccept()
    a.use {
        b.use {
            val changedA = mutableListOf<List<String>>()
            val changedB = mutableListOf<List<String>>()
            var message: ByteArray? = first
            var toListener = true
            var messages = 0
            while (message != null) {
                messages++
                assertTrue(messages < 100, "the exchange did not end")
                val step = if (toListener) b.receive(message) else a.receive(message)
                if (step.changedPersonIds.isNotEmpty()) {
                    (if (toListener) changedB else changedA).add(step.changedPersonIds)
                }
                if (step.reply == null) assertTrue(step.complete, "no reply but not complete")
                message = step.reply
                toListener = !toListener
            }
            assertTrue(a.isComplete(), "connecting side not complete")
            assertTrue(b.isComplete(), "listening side not complete")
            assertEquals(changedA.flatten().toSet(), a.changedPersonIds().toSet())
            assertEquals(changedB.flatten().toSet(), b.changedPersonIds().toSet())
            return Exchange(
                SideResult(a.stats(), changedA, a.peer()),
                SideResult(b.stats(), changedB, b.peer()),
                messages,
            )
        }
    }
}

/** The caseload without `updatedAt` (when each device itself last changed a row). */
suspend fun caseload(store: LinkWorkStore): List<CaseloadEntry> =
    store.caseload(CaseloadQuery()).map { it.copy(updatedAt = Instant.EPOCH) }

object SyncTests {
    val all: List<TestCase> = listOf(
        TestCase("two link-worker stores sync until done; offline edits merge on both", ::twoWorkersConverge),
        TestCase("truncated bytes: Sync(retryable=true); foreign bytes: Sync(retryable=false); session finished", ::brokenMessages),
        TestCase("concurrent goal status edits: one conflict, both values and users; an edit resolves it", ::conflicts),
        TestCase("live mode: poll carries an edit over an open session", ::liveMode),
        TestCase("each side on its own thread over a queue transport; getters from a listener", ::threadedTransport),
    )

    private suspend fun twoWorkersConverge() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPerson(newPerson())
                val goal = a.addGoal(pid, NewGoal(text = "Join a walking group"))
                val heard = RecordingListener()
                b.addListener(heard)

                val first = sync(a, b)
                assertEquals(setOf(pid), first.listening.changed)
                assertEquals(emptySet(), first.connecting.changed)
                assertEquals(PeerInfo(b.info().storeId, Role.LINK_WORKER, null), first.connecting.peer)
                assertEquals(PeerInfo(a.info().storeId, Role.LINK_WORKER, null), first.listening.peer)
                assertEquals(first.listening.notices, heard.calls.toList(), "told once per step that changed people")
                assertEquals(a.person(pid), b.person(pid))

                // Both edit offline, then b connects this time.
                a.addCaseNote(pid, "Note from Sam")
                a.recordProgress(goal, NewProgress(rating = 6))
                b.addCaseNote(pid, "Note from Jo")
                b.updateStep(b.addStep(pid, NewStep(text = "Find boots", owner = StepOwner.PERSON)), StepUpdate(due = day(7)))

                // The receiving store's listener runs after the merge: it already sees both sides.
                // (Messages may carry the two documents' changes in separate rounds: one call each.)
                val heardA = RecordingListener()
                val seenInListener = CopyOnWriteArrayList<PersonRecord>()
                a.addListener(heardA)
                a.addListener(object : ChangeListener {
                    override fun peopleChanged(personIds: List<String>) {
                        for (id in personIds) seenInListener.add(a.personBlocking(id))
                    }
                })
                val beforeSync = a.person(pid)
                val second = sync(b, a)
                assertEquals(setOf(pid), second.connecting.changed, "b learned a's edits")
                assertEquals(setOf(pid), second.listening.changed, "a learned b's edits")
                assertEquals(second.listening.notices, heardA.calls.toList(), "told once per step that changed people")
                assertTrue(heardA.calls.isNotEmpty() && heardA.calls.all { it == listOf(pid) })
                val both = setOf("Note from Sam", "Note from Jo")
                assertTrue(seenInListener.none { it == beforeSync }, "every call already sees merged data")
                assertEquals(a.person(pid), seenInListener.last(), "the last call sees the whole merge")

                val merged = a.person(pid)
                assertEquals(merged, b.person(pid))
                assertEquals(both, merged.caseRecord!!.notes.map { it.text }.toSet())
                assertEquals(6, merged.plan.goals.single().progress.single().rating)
                assertEquals(day(7), merged.plan.steps.single().due)
                assertTrue(merged.conflicts.isEmpty())
                assertEquals(caseload(a), caseload(b))
                assertEquals(setOf("sam.worker", "jo.colleague"), a.history(pid).map { it.user }.toSet())
            }
        }
    }

    private suspend fun brokenMessages() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPerson(newPerson())
                val (sa, first) = a.syncStart()
                sa.close()
                for (bad in listOf(first.copyOf(first.size / 2), first.copyOf(first.size - 1), byteArrayOf(), byteArrayOf(1, 2, 3))) {
                    b.syncAccept().use { session ->
                        val e = assertFailsWith<LinkWorkException.Sync> { session.receive(bad) }
                        // A cut-off message (its checksum fails) may succeed in a new session;
                        // bytes that are not a linkwork message at all will not.
                        assertEquals(bad.size > 3, e.retryable, e.reason)
                        // Abandoned: even the intact message is refused now.
                        assertEquals(describe(e), describe(assertFailsWith<LinkWorkException.Sync> { session.receive(first) }))
                    }
                }
                // The documents' messages cut off half-way: same error, nothing stored.
                val (sa2, hello) = a.syncStart()
                val sb2 = b.syncAccept()
                val documents = assertNotNull(sa2.receive(assertNotNull(sb2.receive(hello).reply)).reply)
                val e = assertFailsWith<LinkWorkException.Sync> { sb2.receive(documents.copyOf(documents.size - 10)) }
                assertTrue(e.retryable)
                sa2.close()
                sb2.close()
                assertTrue(b.caseload(CaseloadQuery()).isEmpty())

                // A new session succeeds.
                assertEquals(setOf(pid), sync(a, b).listening.changed)
                assertEquals(a.person(pid), b.person(pid))

                // Closed sessions refuse calls like any closed object.
                val (closed, _) = a.syncStart()
                closed.close()
                assertFailsWith<IllegalStateException> { closed.receive(first) }
            }
        }
    }

    private suspend fun conflicts() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPerson(newPerson())
                val goal = a.addGoal(pid, NewGoal(text = "Join a walking group"))
                sync(a, b)
                val before = Instant.now().minusSeconds(2)

                a.updateGoal(goal, GoalUpdate(status = GoalStatus.ACHIEVED))
                b.updateGoal(goal, GoalUpdate(status = GoalStatus.DROPPED))
                assertTrue(a.person(pid).conflicts.isEmpty(), "no conflict before the stores meet")
                sync(a, b)

                val record = a.person(pid)
                assertEquals(record, b.person(pid), "both stores show the same record and conflict")
                val conflict = record.conflicts.single()
                assertEquals(DocKind.PLAN, conflict.document)
                assertEquals(listOf("goals", goal, "status"), conflict.path)
                assertEquals(setOf("achieved", "dropped"), conflict.values.map { codeOf(it.value) }.toSet())
                assertEquals(setOf("sam.worker", "jo.colleague"), conflict.values.map { it.setBy }.toSet())
                assertEquals(
                    mapOf("achieved" to "sam.worker", "dropped" to "jo.colleague"),
                    conflict.values.associate { codeOf(it.value) to it.setBy },
                )
                assertEquals(listOf(true, false), conflict.values.map { it.shown }, "the shown value comes first")
                val shown = record.plan.goals.single().status
                assertEquals(if (codeOf(conflict.values[0].value) == "achieved") GoalStatus.ACHIEVED else GoalStatus.DROPPED, shown)
                for (v in conflict.values) {
                    assertTrue(!v.setAt.isBefore(before) && !v.setAt.isAfter(Instant.now().plusSeconds(2)), "setAt ${v.setAt}")
                }

                // Resolving is a new edit of the field; the peer learns it on the next sync.
                b.updateGoal(goal, GoalUpdate(status = GoalStatus.PARTLY_ACHIEVED))
                assertTrue(b.person(pid).conflicts.isEmpty())
                assertEquals(1, a.person(pid).conflicts.size)
                assertEquals(setOf(pid), sync(b, a).listening.changed)
                for (store in listOf(a, b)) {
                    val r = store.person(pid)
                    assertTrue(r.conflicts.isEmpty())
                    assertEquals(GoalStatus.PARTLY_ACHIEVED, r.plan.goals.single().status)
                }
            }
        }
    }

    private suspend fun liveMode() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { worker ->
            val pid = worker.addPerson(newPerson())
            val goal = worker.addGoal(pid, NewGoal(text = "Join a walking group"))
            LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { phone ->
                val (sp, hello) = phone.syncStart()
                val sw = worker.syncAccept()
                sp.use {
                    sw.use {
                        // Drive one round to the end: the message goes to `to`, replies bounce back.
                        suspend fun deliver(message: ByteArray, to: SyncSession, other: SyncSession) {
                            var m: ByteArray? = message
                            var side = to
                            while (m != null) {
                                m = side.receive(m).reply
                                side = if (side === to) other else to
                            }
                        }
                        deliver(hello, sw, sp)
                        assertTrue(sp.isComplete() && sw.isComplete())
                        assertEquals(goal, phone.plan(pid).goals.single().id)
                        assertNull(sp.poll(), "nothing new")
                        assertNull(sw.poll(), "nothing new")

                        // During the call the person records progress; the worker sees it at once.
                        val heard = RecordingListener()
                        worker.addListener(heard)
                        phone.recordProgress(goal, NewProgress(rating = 8, note = "on the call"))
                        val update = assertNotNull(sp.poll())
                        assertNull(sp.poll(), "a round is in flight")
                        deliver(update, sw, sp)
                        assertEquals("on the call", worker.plan(pid).goals.single().progress.single().note)
                        assertTrue(heard.calls.isNotEmpty() && heard.calls.all { it == listOf(pid) })

                        // And the other way.
                        val s = worker.addStep(pid, NewStep(text = "Try the Tuesday walk", owner = StepOwner.PERSON))
                        deliver(assertNotNull(sw.poll()), sp, sw)
                        assertEquals(s, phone.plan(pid).steps.single().id)
                        assertEquals(worker.plan(pid), phone.plan(pid))
                        assertNull(sp.poll())
                        assertNull(sw.poll())
                        assertTrue(sp.isComplete() && sw.isComplete())
                    }
                }
            }
        }
    }

    private suspend fun threadedTransport() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            val people = (0 until 5).map { a.addPerson(newPerson(given = "P$it", nhs = null)) }
            val b = dir.linkWorkerStore("b.db", "jo.colleague")
            b.addPerson(newPerson(given = "Q", nhs = null))
            val listening = b.syncAccept()
            val statsSeenByListener = CopyOnWriteArrayList<SyncStats>()
            val peersSeenByListener = CopyOnWriteArrayList<PeerInfo?>()
            b.addListener(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) {
                    // Runs while the session applies a message: the getters must not wait for it.
                    statsSeenByListener.add(listening.stats())
                    peersSeenByListener.add(listening.peer())
                    listening.isComplete()
                }
            })
            // The app closes its store handle: the session keeps the store open until it ends.
            b.close()

            // A queue pair stands in for a socket; EOF is the stream closing. A side whose step
            // has no reply has finished and closes; a side that reads EOF has finished too.
            val eof = ByteArray(0)
            val toB = LinkedBlockingQueue<ByteArray>()
            val toA = LinkedBlockingQueue<ByteArray>()
            val failure = AtomicReference<Throwable?>()
            fun side(session: SyncSession, inbox: LinkedBlockingQueue<ByteArray>, outbox: LinkedBlockingQueue<ByteArray>, first: ByteArray?) =
                thread {
                    try {
                        first?.let(outbox::put)
                        while (true) {
                            val m = inbox.poll(30, TimeUnit.SECONDS) ?: error("the peer went silent")
                            if (m === eof) break
                            val reply = session.receiveBlocking(m).reply
                            if (reply == null) {
                                outbox.put(eof)
                                break
                            }
                            outbox.put(reply)
                        }
                    } catch (t: Throwable) {
                        failure.compareAndSet(null, t)
                        outbox.put(eof)
                    }
                }
            val (connecting, first) = a.syncStart()
            val ta = side(connecting, toA, toB, first)
            val tb = side(listening, toB, toA, null)
            ta.join(60_000)
            tb.join(60_000)
            assertFalse(ta.isAlive || tb.isAlive, "the exchange did not end")
            failure.get()?.let { throw it }
            assertTrue(connecting.isComplete() && listening.isComplete())
            assertEquals(people.toSet(), listening.changedPersonIds().toSet())
            assertEquals(1, connecting.changedPersonIds().size)
            assertEquals(connecting.stats().bytesSent, listening.stats().bytesReceived)
            assertEquals(connecting.stats().bytesReceived, listening.stats().bytesSent)
            assertEquals(connecting.stats().roundTrips, listening.stats().roundTrips)
            assertTrue(statsSeenByListener.isNotEmpty())
            assertEquals(listOf(a.info().storeId), peersSeenByListener.map { it?.storeId }.distinct())
            connecting.close()
            listening.close()

            LinkWorkStore.open(dir.path("b.db"), StoreKey.Unencrypted).use { reopened ->
                assertEquals(6, a.caseload(CaseloadQuery()).size)
                assertEquals(caseload(a), caseload(reopened))
            }
        }
    }
}
