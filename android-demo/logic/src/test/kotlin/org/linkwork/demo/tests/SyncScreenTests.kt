// The sync screen's view model: targets, what merged, conflicts resolved, failures shown.
package org.linkwork.demo.tests

import java.time.LocalDate
import kotlin.test.*
import kotlinx.coroutines.launch
import org.linkwork.DemographicsUpdate
import org.linkwork.core.GoalStatus
import org.linkwork.GoalUpdate
import org.linkwork.core.NewGoal
import org.linkwork.core.NewProgress
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.sync.InProcessTransport
import org.linkwork.demo.sync.SyncTarget
import org.linkwork.demo.sync.SyncTargetKind
import org.linkwork.demo.sync.SyncTransport
import org.linkwork.demo.sync.SyncViewModel
import kotlinx.coroutines.Dispatchers

object SyncScreenTests {
    val all: List<DemoTest> = listOf(
        DemoTest("sync screen: merged people, stats, badges cleared; a conflict resolved on both", ::mergeAndResolve),
        DemoTest("sync screen: a person's own phone gets the plan; the worker's badges stay", ::patientPeer),
        DemoTest("sync screen: cut-off and broken sessions become messages; retry works", ::failures),
        DemoTest("sync screen: two phones on one network, one waiting, one connecting", ::nearby),
        DemoTest("sync screen: a case-data conflict is resolved by keeping a value", ::caseDataConflict),
        DemoTest("sync screen: a date conflict lists its values as dates", ::dateConflict),
    )

    /** A target answered in-process by [peer] (the hub, or a colleague's phone). */
    private fun World.target(peer: LinkWorkRepository, id: String = "hub", label: String = "Team hub") =
        SyncTarget(id, label, SyncTargetKind.TEAM_HUB) {
            val (mine, theirs) = InProcessTransport.pair()
            scope.launch(Dispatchers.IO) { runCatching { peer.sync(theirs, connect = false) } }
            mine
        }

    private fun mergeAndResolve() = world {
        val phone = linkWorker("phone", "sam")
        val hub = linkWorker("hub", "kim")
        val ada = hub.addPerson(newPerson())
        val walk = hub.edit(ada) { it.addGoal(ada, NewGoal(text = "Join a walking group")) }
        phone.addPerson(newPerson("Grace", "Hopper", nhs = null))
        val vm = SyncViewModel(phone, listOf(target(hub)), scope, clock)
        assertEquals(1, vm.state.await("badge") { it.unsyncedTotal == 1 }.unsyncedTotal)

        vm.sync("hub").join()
        var s = vm.state.value
        assertNull(s.message)
        assertNull(s.running)
        val report = assertNotNull(s.last)
        assertEquals("Team hub", report.target)
        assertEquals("a link worker's device", report.peer)
        assertEquals(listOf("Ada Lovelace"), report.merged)
        assertTrue(report.messages >= 3 && report.bytes > 0 && report.roundTrips >= 1)
        assertTrue(report.clearedBadges)
        assertEquals(0, s.unsyncedTotal)
        assertTrue(s.conflicts.isEmpty())

        // Both set the goal's status while apart.
        phone.edit(ada) { it.updateGoal(walk, GoalUpdate(status = GoalStatus.ACHIEVED)) }
        hub.edit(ada) { it.updateGoal(walk, GoalUpdate(status = GoalStatus.DROPPED)) }
        vm.sync("hub").join()
        s = vm.state.value
        val conflict = s.conflicts.single()
        assertEquals("Ada Lovelace", conflict.personName)
        assertEquals("Goal \"Join a walking group\": status", conflict.field)
        assertTrue(conflict.resolvable)
        assertEquals(setOf("Achieved" to "sam", "Dropped" to "kim"), conflict.choices.map { it.value to it.setBy }.toSet())
        assertEquals(1, conflict.choices.count { it.shown })

        vm.resolve(conflict.key, conflict.choices.indexOfFirst { it.setBy == "kim" }).join()
        s = vm.state.value
        assertTrue(s.conflicts.isEmpty(), "resolved here at once")
        // The badge follows the repository's unsynced people, which the edit refreshed.
        vm.state.await("the resolution is an edit to sync") { it.unsyncedTotal == 1 }
        assertEquals(GoalStatus.DROPPED, phone.read { it.plan(ada) }.goals.single().status)
        vm.sync("hub").join()
        vm.state.await("synced") { it.running == null && it.unsyncedTotal == 0 }
        assertTrue(hub.read { it.person(ada) }.conflicts.isEmpty(), "and on the hub after the next sync")
        assertEquals(GoalStatus.DROPPED, hub.read { it.plan(ada) }.goals.single().status)

        // A screen opened later finds open conflicts from the core's conflict index.
        phone.edit(ada) { it.updateGoal(walk, GoalUpdate(targetDate = day(10))) }
        hub.edit(ada) { it.updateGoal(walk, GoalUpdate(targetDate = day(20))) }
        vm.sync("hub").join()
        val later = SyncViewModel(phone, emptyList(), scope, clock)
        val found = later.state.await("scan") { it.conflicts.isNotEmpty() }.conflicts.single()
        assertEquals("Goal \"Join a walking group\": target date", found.field)
        later.resolve(found.key, found.choices.indexOfFirst { it.setBy == "sam" }).join()
        assertEquals(day(10), phone.read { it.plan(ada) }.goals.single().targetDate)
    }

    private fun patientPeer() = world {
        val worker = linkWorker("phone", "sam")
        val ada = worker.addPerson(newPerson())
        val goal = worker.edit(ada) { it.addGoal(ada, NewGoal(text = "Walk")) }
        val own = LinkWorkRepository(provider.openOrCreatePatient("ada-phone", "ada", ada), Dispatchers.IO)
        try {
            // Ada's phone starts the session with the worker's phone.
            val vm = SyncViewModel(own, listOf(target(worker, "worker", "Sam's phone")), scope, clock)
            vm.sync("worker").join()
            assertNull(vm.state.value.message)
            assertEquals(goal, own.read { it.plan(ada) }.goals.single().id)
            assertNull(own.read { it.person(ada) }.caseRecord, "case data never reaches the person's phone")
            assertTrue(ada in worker.unsyncedPeople.value, "a patient peer does not clear the worker's badge")

            own.edit(ada) { it.recordProgress(goal, NewProgress(rating = 8)) }
            vm.sync("worker").join()
            assertEquals(8, worker.read { it.plan(ada) }.goals.single().progress.single().rating)
            assertEquals("a link worker's device", vm.state.value.last?.peer)
        } finally {
            own.close()
        }
    }

    private fun failures() = world {
        val phone = linkWorker("phone", "sam")
        val hub = linkWorker("hub", "kim")
        phone.addPerson(newPerson())
        val hangsUp = SyncTarget("gone", "Hub (hangs up)", SyncTargetKind.TEAM_HUB) {
            val (mine, theirs) = InProcessTransport.pair()
            scope.launch {
                theirs.receive() // the hello arrives, then the line drops
                theirs.close()
            }
            mine
        }
        val garbage = SyncTarget("garbage", "Not a linkwork peer", SyncTargetKind.NEARBY_DEVICE) {
            val (mine, theirs) = InProcessTransport.pair()
            scope.launch {
                theirs.receive()
                theirs.send(byteArrayOf(1, 2, 3))
            }
            mine
        }
        val vm = SyncViewModel(phone, listOf(hangsUp, garbage, target(hub)), scope, clock)
        vm.sync("gone").join()
        var s = vm.state.value
        assertNull(s.running)
        assertEquals("Sync did not finish. Nothing was lost; try again.", s.message?.text)
        assertTrue(s.message!!.canRetry)
        assertEquals(1, s.unsyncedTotal, "nothing counts as synced")

        vm.dismissMessage()
        vm.sync("garbage").join()
        s = vm.state.value
        // Garbage fails the secure handshake: the device is not trusted, nothing was shared.
        assertEquals("The other device could not be trusted (not from your organisation, expired or revoked). Nothing was shared.", s.message?.text)
        assertFalse(s.message!!.canRetry)

        vm.sync("hub").join()
        s = vm.state.value
        assertNotNull(s.last)
        assertEquals(0, s.unsyncedTotal)
    }

    private fun nearby() = world {
        val mine = linkWorker("phone", "sam")
        val colleague = linkWorker("colleague", "jo")
        val ada = colleague.addPerson(newPerson())
        val port = java.net.ServerSocket(0).use { it.localPort }
        val waiting = SyncViewModel(colleague, emptyList(), scope, clock, nearbyPort = port)
        val connecting = SyncViewModel(mine, emptyList(), scope, clock, nearbyPort = port)

        connecting.editNearbyAddress("not an address")
        connecting.syncNearby().join()
        assertEquals("Enter the address shown on your colleague's phone.", connecting.state.value.message?.text)
        connecting.dismissMessage()

        val wait = waiting.waitForColleague()
        assertTrue(waiting.state.await("waiting") { it.waitingOn != null }.waitingOn!!.endsWith(":$port"))
        connecting.editNearbyAddress("127.0.0.1")
        connecting.syncNearby().join()
        wait.join()
        assertNull(connecting.state.value.message)
        assertEquals(listOf("Ada Lovelace"), connecting.state.value.last?.merged)
        assertEquals("Colleague's phone", waiting.state.value.last?.target)
        assertNull(waiting.state.value.waitingOn)
        assertEquals(0, waiting.state.value.unsyncedTotal)
        assertEquals(colleague.read { it.person(ada) }, mine.read { it.person(ada) })

        // Waiting can be called off.
        waiting.waitForColleague()
        waiting.state.await("waiting again") { it.waitingOn != null }
        waiting.cancelWaiting()
        val s = waiting.state.await("stopped") { it.waitingOn == null && it.running == null }
        assertNull(s.message)
    }

    private fun caseDataConflict() = world {
        val phone = linkWorker("phone", "sam")
        val hub = linkWorker("hub", "kim")
        val ada = phone.addPerson(newPerson())
        val vm = SyncViewModel(phone, listOf(target(hub)), scope, clock)
        vm.sync("hub").join()
        phone.edit(ada) { it.updateDemographics(ada, DemographicsUpdate(phone = "07700 900001")) }
        hub.edit(ada) { it.updateDemographics(ada, DemographicsUpdate(phone = "07700 900002")) }
        vm.sync("hub").join()
        val conflict = vm.state.value.conflicts.single()
        assertEquals("Details: phone", conflict.field)
        assertTrue(conflict.resolvable)
        vm.resolve(conflict.key, conflict.choices.indexOfFirst { it.setBy == "kim" }).join()
        assertTrue(vm.state.value.conflicts.isEmpty(), "the core keeps any field's value")
        assertEquals("07700 900002", phone.read { it.person(ada) }.caseRecord?.demographics?.phone)
    }

    private fun dateConflict() = world {
        val phone = linkWorker("phone", "sam")
        val hub = linkWorker("hub", "kim")
        val ada = phone.addPerson(newPerson())
        val vm = SyncViewModel(phone, listOf(target(hub)), scope, clock)
        vm.sync("hub").join()
        phone.edit(ada) { it.setReviewDateBlocking(ada, LocalDate.of(2031, 3, 1)) }
        hub.edit(ada) { it.setReviewDateBlocking(ada, LocalDate.of(2031, 4, 2)) }
        vm.sync("hub").join()
        val conflict = vm.state.value.conflicts.single()
        assertEquals("Review date", conflict.field)
        assertEquals(setOf("1 Mar 2031" to "sam", "2 Apr 2031" to "kim"), conflict.choices.map { it.value to it.setBy }.toSet())
        vm.resolve(conflict.key, conflict.choices.indexOfFirst { it.setBy == "kim" }).join()
        assertTrue(vm.state.value.conflicts.isEmpty())
        assertEquals(LocalDate.of(2031, 4, 2), phone.read { it.planBlocking(ada) }.reviewDate)
    }
}
