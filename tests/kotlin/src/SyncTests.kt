// Sync through the byte API: two link-worker stores converging, cheap reconnects, a patient's
// store getting only its plan and refusing case data, broken messages, conflicts surfaced and
// resolved, erasure travelling, live mode and sessions driven from their own threads.
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
fun sync(from: LinkWorkStore, to: LinkWorkStore): Exchange {
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
                val step = if (toListener) b.receiveBlocking(message) else a.receiveBlocking(message)
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
fun caseload(store: LinkWorkStore): List<CaseloadEntry> =
    store.caseloadBlocking(CaseloadQuery()).map { it.copy(updatedAt = Instant.EPOCH) }

object SyncTests {
    val all: List<TestCase> = listOf(
        TestCase("two link-worker stores sync until done; offline edits merge on both", ::twoWorkersConverge),
        TestCase("reconnect with nothing to do: one round trip, under 1 KB (250 people)", ::idleReconnect),
        TestCase("a patient store syncs only its own plan; progress flows back", ::patientGetsOnlyPlan),
        TestCase("a patient store refuses a message carrying case data, storing nothing", ::patientRefusesCaseData),
        TestCase("truncated bytes: Sync(retryable=true); foreign bytes: Sync(retryable=false); session finished", ::brokenMessages),
        TestCase("a first sync in small batches: progress of a total; a damaged batch is retryable and the next session resumes", ::batchedProgressAndRetry),
        TestCase("concurrent goal status edits: one conflict, both values and users; an edit resolves it", ::conflicts),
        TestCase("erasePerson travels to the peer; the erased person cannot come back", ::erasureTravels),
        TestCase("live mode: poll carries an edit over an open session", ::liveMode),
        TestCase("each side on its own thread over a queue transport; getters from a listener", ::threadedTransport),
    )

    private fun twoWorkersConverge() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                val goal = a.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
                val heard = RecordingListener()
                b.addListener(heard)

                val first = sync(a, b)
                assertEquals(setOf(pid), first.listening.changed)
                assertEquals(emptySet(), first.connecting.changed)
                assertEquals(PeerInfo(b.info().storeId, Role.LINK_WORKER, null), first.connecting.peer)
                assertEquals(PeerInfo(a.info().storeId, Role.LINK_WORKER, null), first.listening.peer)
                assertEquals(first.listening.notices, heard.calls.toList(), "told once per step that changed people")
                assertEquals(a.personBlocking(pid), b.personBlocking(pid))

                // Both edit offline, then b connects this time.
                a.addCaseNoteBlocking(pid, "Note from Sam")
                a.recordProgressBlocking(goal, NewProgress(rating = 6))
                b.addCaseNoteBlocking(pid, "Note from Jo")
                b.updateStepBlocking(b.addStepBlocking(pid, NewStep(text = "Find boots", owner = StepOwner.PERSON)), StepUpdate(due = day(7)))

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
                val beforeSync = a.personBlocking(pid)
                val second = sync(b, a)
                assertEquals(setOf(pid), second.connecting.changed, "b learned a's edits")
                assertEquals(setOf(pid), second.listening.changed, "a learned b's edits")
                assertEquals(second.listening.notices, heardA.calls.toList(), "told once per step that changed people")
                assertTrue(heardA.calls.isNotEmpty() && heardA.calls.all { it == listOf(pid) })
                val both = setOf("Note from Sam", "Note from Jo")
                assertTrue(seenInListener.none { it == beforeSync }, "every call already sees merged data")
                assertEquals(a.personBlocking(pid), seenInListener.last(), "the last call sees the whole merge")

                val merged = a.personBlocking(pid)
                assertEquals(merged, b.personBlocking(pid))
                assertEquals(both, merged.caseRecord!!.notes.map { it.text }.toSet())
                assertEquals(6, merged.plan.goals.single().progress.single().rating)
                assertEquals(day(7), merged.plan.steps.single().due)
                assertTrue(merged.conflicts.isEmpty())
                assertEquals(caseload(a), caseload(b))
                assertEquals(setOf("sam.worker", "jo.colleague"), a.historyBlocking(pid).map { it.user }.toSet())
            }
        }
    }

    private fun idleReconnect() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                repeat(250) { i -> a.addPersonBlocking(newPerson(given = "Person$i", nhs = null)) }
                val initial = sync(a, b)
                assertEquals(250, initial.listening.changed.size)
                assertEquals(250, b.caseloadBlocking(CaseloadQuery()).size)

                val heard = RecordingListener()
                a.addListener(heard)
                b.addListener(heard)
                for ((from, to) in listOf(a to b, b to a)) {
                    val idle = sync(from, to)
                    val s = idle.connecting.stats
                    assertEquals(2, idle.messages)
                    assertEquals(1, s.roundTrips)
                    assertEquals(1, s.messagesSent)
                    assertEquals(1, s.messagesReceived)
                    assertEquals(s.bytesSent, idle.listening.stats.bytesReceived)
                    assertEquals(s.bytesReceived, idle.listening.stats.bytesSent)
                    assertTrue(s.bytesSent + s.bytesReceived < 1024, "idle reconnect cost ${s.bytesSent + s.bytesReceived} bytes")
                    assertTrue(idle.connecting.changed.isEmpty() && idle.listening.changed.isEmpty())
                }
                assertTrue(heard.calls.isEmpty(), "nobody is told when nothing changed")
                assertTrue(heard.syncsCompleted.get() > 0, "but the sync status is told the sync completed")

                // One offline edit costs more than an idle reconnect, but far less than the caseload.
                val pid = a.caseloadBlocking(CaseloadQuery(text = "Person249")).single().personId
                a.setWhatMattersBlocking(pid, "Gardening")
                val one = sync(a, b)
                assertEquals(setOf(pid), one.listening.changed)
                val bytes = one.connecting.stats.bytesSent + one.connecting.stats.bytesReceived
                println("    one offline edit: $bytes bytes in ${one.messages} messages")
                assertTrue(bytes < 8192, "one edit cost $bytes bytes")
            }
        }
    }

    private fun patientGetsOnlyPlan() = withTempDir { dir ->
        dir.linkWorkerStore().use { worker ->
            val pid = worker.addPersonBlocking(newPerson())
            val other = worker.addPersonBlocking(newPerson(given = "Grace", family = "Hopper", nhs = null))
            val goal = worker.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
            val step = worker.addStepBlocking(pid, NewStep(text = "Find boots", owner = StepOwner.PERSON))
            worker.addGoalBlocking(other, NewGoal(text = "Someone else's goal"))
            worker.addCaseNoteBlocking(pid, "Case data stays on the team's devices")

            LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { phone ->
                val first = sync(phone, worker)
                assertEquals(PeerInfo(phone.info().storeId, Role.PATIENT, pid), first.listening.peer)
                assertEquals(setOf(pid), first.connecting.changed)
                assertEquals(worker.planBlocking(pid), phone.planBlocking(pid))
                assertNull(phone.personBlocking(pid).caseRecord)
                assertEquals(listOf(pid), phone.caseloadBlocking(CaseloadQuery()).map { it.personId })
                assertFailsWith<LinkWorkException.NotPermitted> { phone.exportDocumentBlocking(pid, DocKind.CASE) }
                assertFailsWith<LinkWorkException.NotPermitted> { phone.planBlocking(other) }
                assertFailsWith<LinkWorkException.NotPermitted> { phone.erasePersonBlocking(pid) }

                // The person's own edits on their phone reach the worker, with their name.
                phone.recordProgressBlocking(goal, NewProgress(rating = 7, note = "walked twice"))
                phone.completeStepBlocking(step)
                val back = sync(phone, worker)
                assertEquals(setOf(pid), back.listening.changed)
                val plan = worker.planBlocking(pid)
                assertEquals("ada", plan.goals.single().progress.single().recordedBy)
                assertEquals("ada", plan.steps.single().doneBy)
                assertEquals(plan, phone.planBlocking(pid))
                assertEquals(1, worker.personBlocking(pid).caseRecord!!.notes.size)
            }
        }
    }

    private fun patientRefusesCaseData() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                a.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
                a.addCaseNoteBlocking(pid, "Confidential")

                // Capture a link-worker <-> link-worker exchange: a's hello, then a's message
                // carrying its whole documents (plan and case) to b.
                val (sa, hello) = a.syncStart()
                val sb = b.syncAccept()
                val manifest = assertNotNull(sb.receiveBlocking(hello).reply)
                val documents = assertNotNull(sa.receiveBlocking(manifest).reply)
                assertTrue(documents.size > hello.size + 500, "the message carries whole documents")
                sa.close()
                sb.close()

                LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { phone ->
                    val heard = RecordingListener()
                    phone.addListener(heard)
                    phone.syncAccept().use { session ->
                        val step = session.receiveBlocking(hello) // a link worker may talk to the phone
                        assertTrue(step.changedPersonIds.isEmpty())
                        val refused = assertFailsWith<LinkWorkException.NotPermitted> { session.receiveBlocking(documents) }
                        assertEquals("receive a case document on a patient store", refused.action)
                        // The session is finished: later calls throw the same error.
                        assertEquals(describe(refused), describe(assertFailsWith<LinkWorkException.NotPermitted> { session.receiveBlocking(documents) }))
                        assertEquals(describe(refused), describe(assertFailsWith<LinkWorkException.NotPermitted> { session.pollBlocking() }))
                        assertFalse(session.isComplete())
                        assertEquals(2, session.stats().messagesReceived)
                    }
                    // Nothing of the message was stored, not even the plan the phone may hold.
                    assertFailsWith<LinkWorkException.NotFound> { phone.planBlocking(pid) }
                    assertTrue(phone.caseloadBlocking(CaseloadQuery()).isEmpty())
                    assertTrue(phone.erasedPeopleBlocking().isEmpty())
                    assertTrue(heard.calls.isEmpty())

                    // The same message without the hello before it: out of order for a new session.
                    phone.syncAccept().use { session ->
                        val e = assertFailsWith<LinkWorkException.Sync> { session.receiveBlocking(documents) }
                        // Out of order (e.g. the hello was lost): a new session may succeed.
                        assertTrue(e.retryable)
                    }
                    assertTrue(phone.caseloadBlocking(CaseloadQuery()).isEmpty())
                }
            }
        }
    }

    private fun brokenMessages() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                val (sa, first) = a.syncStart()
                sa.close()
                for (bad in listOf(first.copyOf(first.size / 2), first.copyOf(first.size - 1), byteArrayOf(), byteArrayOf(1, 2, 3))) {
                    b.syncAccept().use { session ->
                        val e = assertFailsWith<LinkWorkException.Sync> { session.receiveBlocking(bad) }
                        // A cut-off message (its checksum fails) may succeed in a new session;
                        // bytes that are not a linkwork message at all will not.
                        assertEquals(bad.size > 3, e.retryable, e.reason)
                        // Abandoned: even the intact message is refused now.
                        assertEquals(describe(e), describe(assertFailsWith<LinkWorkException.Sync> { session.receiveBlocking(first) }))
                    }
                }
                // The documents' messages cut off half-way: same error, nothing stored.
                val (sa2, hello) = a.syncStart()
                val sb2 = b.syncAccept()
                val documents = assertNotNull(sa2.receiveBlocking(assertNotNull(sb2.receiveBlocking(hello).reply)).reply)
                val e = assertFailsWith<LinkWorkException.Sync> { sb2.receiveBlocking(documents.copyOf(documents.size - 10)) }
                assertTrue(e.retryable)
                sa2.close()
                sb2.close()
                assertTrue(b.caseloadBlocking(CaseloadQuery()).isEmpty())

                // A new session succeeds.
                assertEquals(setOf(pid), sync(a, b).listening.changed)
                assertEquals(a.personBlocking(pid), b.personBlocking(pid))

                // Closed sessions refuse calls like any closed object.
                val (closed, _) = a.syncStart()
                closed.close()
                assertFailsWith<IllegalStateException> { closed.receiveBlocking(first) }
            }
        }
    }

    private fun batchedProgressAndRetry() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val people = (1..30).map { a.addPersonBlocking(newPerson(given = "P$it", nhs = null)) }
                // b (a new device) connects; both sides keep messages under 16 KiB.
                fun session(damageAt: Int?, seen: MutableList<SyncProgress>) {
                    val (sb, first) = b.syncStart()
                    val sa = a.syncAccept()
                    sb.use {
                        sa.use {
                            sb.setMaxMessageBytes(16_384)
                            sa.setMaxMessageBytes(16_384)
                            var message: ByteArray? = first
                            var toA = true
                            var n = 0
                            while (message != null) {
                                n++
                                assertTrue(n < 200, "the exchange did not end")
                                assertTrue(message.size <= 16_384, "a message of ${message.size} bytes")
                                if (n == damageAt) message[message.size / 2] = (message[message.size / 2].toInt() xor 0x40).toByte()
                                val step = if (toA) sa.receiveBlocking(message) else sb.receiveBlocking(message)
                                if (!toA) seen.add(sb.progress())
                                message = step.reply
                                toA = !toA
                            }
                            assertTrue(sb.isComplete() && sa.isComplete())
                        }
                    }
                }
                // The sixth message (the second batch of documents for b) is damaged on the way.
                val firstRun = mutableListOf<SyncProgress>()
                val e = assertFailsWith<LinkWorkException.Sync> { session(damageAt = 6, seen = firstRun) }
                assertTrue(e.retryable, e.reason)
                // While the first batch arrived, the total announced was ahead of what was done.
                assertTrue(firstRun.any { it.docsTotal > it.docsDone && it.bytesTotal > it.bytesDone }, "$firstRun")
                val kept = b.caseloadBlocking(CaseloadQuery()).size
                assertTrue(kept in 1 until 30, "the batch before the damaged one was stored: $kept")
                // The next session resumes and completes; progress counts up to its total.
                val seen = mutableListOf<SyncProgress>()
                session(damageAt = null, seen = seen)
                val last = seen.last()
                assertEquals(last.docsTotal, last.docsDone)
                assertEquals(last.bytesTotal, last.bytesDone)
                assertEquals(1.0, last.fraction)
                assertEquals(((30 - kept) * 2).toLong(), last.docsDone, "what was stored was not sent again")
                assertEquals(people.toSet(), b.caseloadBlocking(CaseloadQuery()).map { it.personId }.toSet())
            }
        }
    }

    private fun conflicts() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                val goal = a.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
                sync(a, b)
                val before = Instant.now().minusSeconds(2)

                a.updateGoalBlocking(goal, GoalUpdate(status = GoalStatus.ACHIEVED))
                b.updateGoalBlocking(goal, GoalUpdate(status = GoalStatus.DROPPED))
                assertTrue(a.personBlocking(pid).conflicts.isEmpty(), "no conflict before the stores meet")
                sync(a, b)

                val record = a.personBlocking(pid)
                assertEquals(record, b.personBlocking(pid), "both stores show the same record and conflict")
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
                b.updateGoalBlocking(goal, GoalUpdate(status = GoalStatus.PARTLY_ACHIEVED))
                assertTrue(b.personBlocking(pid).conflicts.isEmpty())
                assertEquals(1, a.personBlocking(pid).conflicts.size)
                assertEquals(setOf(pid), sync(b, a).listening.changed)
                for (store in listOf(a, b)) {
                    val r = store.personBlocking(pid)
                    assertTrue(r.conflicts.isEmpty())
                    assertEquals(GoalStatus.PARTLY_ACHIEVED, r.plan.goals.single().status)
                }
            }
        }
    }

    private fun erasureTravels() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            dir.linkWorkerStore("b.db", "jo.colleague").use { b ->
                val pid = a.addPersonBlocking(newPerson())
                val kept = a.addPersonBlocking(newPerson(given = "Grace", family = "Hopper", nhs = null))
                a.addGoalBlocking(pid, NewGoal(text = "Walk"))
                sync(a, b)
                val oldPlan = b.exportDocumentBlocking(pid, DocKind.PLAN)
                val heardA = RecordingListener()
                val heardB = RecordingListener()
                a.addListener(heardA)
                b.addListener(heardB)

                val before = Instant.now().minusSeconds(1)
                a.erasePersonBlocking(pid)
                assertEquals(listOf(listOf(pid)), heardA.calls.toList())
                assertFailsWith<LinkWorkException.NotFound> { a.personBlocking(pid) }
                val erased = a.erasedPeopleBlocking().single()
                assertEquals(pid, erased.personId)
                assertTrue(!erased.erasedAt.isBefore(before) && Duration.between(before, erased.erasedAt).seconds < 60)
                assertFailsWith<LinkWorkException.NotFound> { a.erasePersonBlocking(pid) }
                assertFailsWith<LinkWorkException.NotFound> { a.erasePersonBlocking(java.util.UUID.randomUUID().toString()) }
                assertFailsWith<LinkWorkException.InvalidInput> { a.erasePersonBlocking("not-an-id") }

                // b still holds pid until the stores meet; b connecting is enough.
                assertEquals(2, b.caseloadBlocking(CaseloadQuery()).size)
                val exchange = sync(b, a)
                assertEquals(setOf(pid), exchange.connecting.changed)
                assertEquals(listOf(listOf(pid)), heardB.calls.toList())
                assertFailsWith<LinkWorkException.NotFound> { b.personBlocking(pid) }
                assertEquals(listOf(kept), b.caseloadBlocking(CaseloadQuery()).map { it.personId })
                assertEquals(a.erasedPeopleBlocking(), b.erasedPeopleBlocking())

                // Old copies cannot bring the person back, by import or by sync.
                val refused = assertFailsWith<LinkWorkException.NotPermitted> { b.importDocumentBlocking(oldPlan) }
                assertEquals("restore an erased person", refused.action)
                dir.linkWorkerStore("c.db", "al.hub").use { c ->
                    c.importDocumentBlocking(oldPlan) // a device that never heard of the erasure
                    assertEquals(setOf(pid, kept), sync(a, c).listening.changed, "c erases pid and learns kept")
                    assertFailsWith<LinkWorkException.NotFound> { c.personBlocking(pid) }
                    assertEquals(a.erasedPeopleBlocking(), c.erasedPeopleBlocking())
                }
            }
        }
    }

    private fun liveMode() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { worker ->
            val pid = worker.addPersonBlocking(newPerson())
            val goal = worker.addGoalBlocking(pid, NewGoal(text = "Join a walking group"))
            LinkWorkStore.create(dir.path("phone.db"), StoreKey.Unencrypted, "ada", Role.PATIENT, pid).use { phone ->
                val (sp, hello) = phone.syncStart()
                val sw = worker.syncAccept()
                sp.use {
                    sw.use {
                        // Drive one round to the end: the message goes to `to`, replies bounce back.
                        fun deliver(message: ByteArray, to: SyncSession, other: SyncSession) {
                            var m: ByteArray? = message
                            var side = to
                            while (m != null) {
                                m = side.receiveBlocking(m).reply
                                side = if (side === to) other else to
                            }
                        }
                        deliver(hello, sw, sp)
                        assertTrue(sp.isComplete() && sw.isComplete())
                        assertEquals(goal, phone.planBlocking(pid).goals.single().id)
                        assertNull(sp.pollBlocking(), "nothing new")
                        assertNull(sw.pollBlocking(), "nothing new")

                        // During the call the person records progress; the worker sees it at once.
                        val heard = RecordingListener()
                        worker.addListener(heard)
                        phone.recordProgressBlocking(goal, NewProgress(rating = 8, note = "on the call"))
                        val update = assertNotNull(sp.pollBlocking())
                        assertNull(sp.pollBlocking(), "a round is in flight")
                        deliver(update, sw, sp)
                        assertEquals("on the call", worker.planBlocking(pid).goals.single().progress.single().note)
                        assertTrue(heard.calls.isNotEmpty() && heard.calls.all { it == listOf(pid) })

                        // And the other way.
                        val s = worker.addStepBlocking(pid, NewStep(text = "Try the Tuesday walk", owner = StepOwner.PERSON))
                        deliver(assertNotNull(sw.pollBlocking()), sp, sw)
                        assertEquals(s, phone.planBlocking(pid).steps.single().id)
                        assertEquals(worker.planBlocking(pid), phone.planBlocking(pid))
                        assertNull(sp.pollBlocking())
                        assertNull(sw.pollBlocking())
                        assertTrue(sp.isComplete() && sw.isComplete())
                    }
                }
            }
        }
    }

    private fun threadedTransport() = withTempDir { dir ->
        dir.linkWorkerStore("a.db", "sam.worker").use { a ->
            val people = (0 until 5).map { a.addPersonBlocking(newPerson(given = "P$it", nhs = null)) }
            val b = dir.linkWorkerStore("b.db", "jo.colleague")
            b.addPersonBlocking(newPerson(given = "Q", nhs = null))
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
                assertEquals(6, a.caseloadBlocking(CaseloadQuery()).size)
                assertEquals(caseload(a), caseload(reopened))
            }
        }
    }
}
