// The caseload screen's view model.
package org.linkwork.demo.tests

import java.time.LocalDate
import kotlin.test.*
import org.linkwork.core.EpisodeStatus
import org.linkwork.core.EpisodeTransition
import org.linkwork.core.NewGoal
import org.linkwork.core.NewStep
import org.linkwork.core.StepOwner
import org.linkwork.demo.caseload.CaseloadViewModel
import org.linkwork.demo.caseload.DueState
import org.linkwork.demo.sync.InProcessTransport
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope

object CaseloadTests {
    val all: List<DemoTest> = listOf(
        DemoTest("caseload: search by name and NHS number, status filter, next step due", ::searchAndDue),
        DemoTest("caseload: unsynced badge per person, cleared by a sync with a colleague", ::badges),
        DemoTest("caseload: add a person from an empty store; a bad NHS number names the field", ::addPerson),
    )

    private fun addPerson() = world {
        val repo = linkWorker("phone", "sam")
        val vm = CaseloadViewModel(repo, scope, clock)
        vm.state.await("an empty list") { !it.loading && it.rows.isEmpty() }
        assertNull(vm.addPerson("Ada", "Lovelace", nhsNumber = "943 476 5918"))
        assertEquals("Please check the NHS number.", vm.state.value.message?.text)
        vm.dismissMessage()
        val ada = vm.addPerson(" Ada ", "Lovelace", nhsNumber = "943 476 5919", dateOfBirth = LocalDate.of(1950, 2, 28))
        assertNotNull(ada)
        val listed = vm.state.await("Ada listed") { s -> s.rows.any { it.personId == ada } }
        assertEquals("Ada Lovelace", listed.rows.single().name)
        assertNull(listed.rows.single().nextStepDueDate)
        repo.edit(ada) { it.addStep(ada, NewStep(text = "Call", owner = StepOwner.LINK_WORKER, due = day(3))) }
        val due = vm.state.await("a typed next step date") { s -> s.rows.single().nextStepDueDate != null }
        assertEquals(LocalDate.now(clock).plusDays(3), due.rows.single().nextStepDueDate)
    }

    private fun searchAndDue() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val grace = repo.addPerson(newPerson("Grace", "Hopper", nhs = null))
        val alan = repo.addPerson(newPerson("Alan", "Turing", nhs = null))
        repo.edit(ada) {
            it.transitionEpisode(ada, EpisodeTransition(to = EpisodeStatus.CONTACTING))
            it.transitionEpisode(ada, EpisodeTransition(to = EpisodeStatus.ACCEPTED))
            it.addGoal(ada, NewGoal(text = "Walk"))
            it.addStep(ada, NewStep(text = "Boots", owner = StepOwner.PERSON, due = day(-2)))
            it.addStep(ada, NewStep(text = "Call", owner = StepOwner.LINK_WORKER, due = day(5)))
        }
        repo.edit(grace) { it.addStep(grace, NewStep(text = "Letter", owner = StepOwner.LINK_WORKER, due = day(0))) }
        repo.edit(alan) { it.addStep(alan, NewStep(text = "Later", owner = StepOwner.LINK_WORKER, due = day(9))) }

        val vm = CaseloadViewModel(repo, scope, clock)
        val all = vm.state.await("three rows") { !it.loading && it.rows.size == 3 }
        val byName = all.rows.associateBy { it.name }
        assertEquals(DueState.OVERDUE, byName.getValue("Ada Lovelace").dueState, "the earliest open step is overdue")
        assertEquals(DueState.TODAY, byName.getValue("Grace Hopper").dueState)
        assertEquals(DueState.LATER, byName.getValue("Alan Turing").dueState)
        assertEquals("Accepted", byName.getValue("Ada Lovelace").status)
        assertEquals("Referred", byName.getValue("Grace Hopper").status)
        assertEquals(1, byName.getValue("Ada Lovelace").activeGoals)

        vm.search("gra").join()
        assertEquals(listOf("Grace Hopper"), vm.state.value.rows.map { it.name })
        vm.search("943 476").join()
        assertEquals(listOf(ada), vm.state.value.rows.map { it.personId })
        vm.search("").join()
        vm.filterStatus(EpisodeStatus.ACCEPTED).join()
        assertEquals(listOf(ada), vm.state.value.rows.map { it.personId })
        vm.filterStatus(null).join()
        assertEquals(3, vm.state.value.rows.size)
        assertEquals(null, vm.state.value.statusOptions.first())
    }

    private fun badges() = world { coroutineScope {
        val phone = linkWorker("phone", "sam")
        val colleague = linkWorker("colleague", "jo")
        val vm = CaseloadViewModel(phone, scope, clock)
        val ada = phone.addPerson(newPerson())
        phone.edit(ada) { it.addGoal(ada, NewGoal(text = "Walk")) }
        // The list reloads by itself when the store reports a change.
        var s = vm.state.await("Ada unsynced") { st -> st.rows.any { it.personId == ada && it.unsynced } }
        assertEquals(1, s.unsyncedTotal)

        // A colleague's edits merged in are not unsynced: the colleague has them.
        val (mine, theirs) = InProcessTransport.pair()
        val answer = async(Dispatchers.Default) { colleague.sync(theirs, connect = false) }
        phone.sync(mine)
        answer.await()
        s = vm.state.await("badges cleared") { it.unsyncedTotal == 0 }
        assertTrue(s.rows.none { it.unsynced })
        val grace = colleague.addPerson(newPerson("Grace", "Hopper", nhs = null))
        val (m2, t2) = InProcessTransport.pair()
        val answer2 = async(Dispatchers.Default) { colleague.sync(t2, connect = false) }
        phone.sync(m2)
        answer2.await()
        s = vm.state.await("Grace merged in") { st -> st.rows.any { it.personId == grace } }
        assertEquals(0, s.unsyncedTotal)
        assertEquals(emptySet(), colleague.unsyncedPeople.value, "the answering side's edits reached the phone too")
    } }
}
