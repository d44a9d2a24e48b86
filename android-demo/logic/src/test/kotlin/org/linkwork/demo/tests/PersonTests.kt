// The person screen's view model.
package org.linkwork.demo.tests

import kotlin.test.*
import org.linkwork.core.AdministrationMode
import org.linkwork.core.ConsultationMode
import org.linkwork.core.GoalStatus
import org.linkwork.core.Instrument
import org.linkwork.core.NewConsultation
import org.linkwork.core.NewGoal
import org.linkwork.core.NewMeasureResponse
import org.linkwork.core.NewProgress
import org.linkwork.core.NewStep
import org.linkwork.core.Need
import org.linkwork.core.StepOwner
import org.linkwork.core.Timepoint
import org.linkwork.demo.person.PersonViewModel

object PersonTests {
    val all: List<DemoTest> = listOf(
        DemoTest("person: plan, goals with progress, steps, consultations, measures and change", ::record),
        DemoTest("person: tick and reopen a step, set a goal status; erased person is gone", ::actions),
    )

    private fun record() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        repo.edit(ada) { s ->
            s.setWhatMatters(ada, "Seeing people again")
            s.addNeed(ada, Need.LONELINESS, "since bereavement")
            val walk = s.addGoal(ada, NewGoal(text = "Join a walking group", targetDate = day(60)))
            s.recordProgress(walk, NewProgress(rating = 3))
            s.recordProgress(walk, NewProgress(note = "no rating this time"))
            s.recordProgress(walk, NewProgress(rating = 6))
            s.addStep(ada, NewStep(text = "Find boots", owner = StepOwner.PERSON, due = day(-1)))
            s.addConsultation(ada, NewConsultation(mode = ConsultationMode.PHONE, durationMinutes = 20))
            s.recordMeasure(ada, NewMeasureResponse(instrument = Instrument.ONS4, timepoint = Timepoint.BASELINE, mode = AdministrationMode.READ_OUT, answers = listOf(4L, 5L, 4L, 7L)))
            s.recordMeasure(ada, NewMeasureResponse(instrument = Instrument.ONS4, timepoint = Timepoint.FOLLOW_UP, mode = AdministrationMode.READ_OUT, answers = listOf(7L, 5L, 6L, 3L)))
        }
        val vm = PersonViewModel(repo, ada, scope, clock)
        val s = vm.state.await("loaded") { !it.loading }
        assertEquals("Ada Lovelace", s.name)
        assertEquals("Referred", s.status)
        assertEquals("Seeing people again", s.whatMatters)
        assertEquals(listOf("Loneliness (since bereavement)"), s.needs)
        val goal = s.goals.single()
        assertEquals(listOf(3, 6), goal.ratings)
        assertEquals(6, goal.latestRating)
        assertEquals(3, goal.progressEntries)
        assertEquals("Active", goal.status)
        assertTrue(s.steps.single().overdue)
        assertEquals("Phone", s.consultations.single().mode)
        assertEquals(listOf("Follow up", "Baseline"), s.measures.map { it.timepoint }, "newest first")
        assertTrue(s.measures.last().score.startsWith("life satisfaction 4 (low)"), s.measures.last().score)
        // Baseline to latest, direction-aware: anxiety going down is better.
        val byQuantity = s.changes.associateBy { it.quantity }
        assertEquals("4", byQuantity.getValue("life satisfaction").baseline)
        assertEquals("7", byQuantity.getValue("life satisfaction").latest)
        assertEquals("+3", byQuantity.getValue("life satisfaction").difference)
        assertEquals("better", byQuantity.getValue("life satisfaction").direction)
        assertEquals("no change", byQuantity.getValue("worthwhile").direction)
        assertEquals("better", byQuantity.getValue("anxiety").direction)
        assertTrue(s.unsynced, "no link-worker peer has the person yet")
        assertEquals(0, s.conflicts)
    }

    private fun actions() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val (goal, step) = repo.edit(ada) {
            it.addGoal(ada, NewGoal(text = "Walk")) to it.addStep(ada, NewStep(text = "Boots", owner = StepOwner.PERSON, due = day(-1)))
        }
        val vm = PersonViewModel(repo, ada, scope, clock)
        vm.state.await("loaded") { !it.loading }
        vm.toggleStep(step).join()
        var s = vm.state.await("step done") { it.steps.single().done }
        assertFalse(s.steps.single().overdue, "a done step is never overdue")
        vm.toggleStep(step).join()
        vm.state.await("step reopened") { !it.steps.single().done }
        vm.setGoalStatus(goal, GoalStatus.ACHIEVED).join()
        s = vm.state.await("achieved") { it.goals.single().status == "Achieved" }
        assertTrue(s.unsynced)

        repo.edit(ada) { it.erasePerson(ada) }
        s = vm.state.await("gone") { it.gone }
        assertNull(s.message)
    }
}
