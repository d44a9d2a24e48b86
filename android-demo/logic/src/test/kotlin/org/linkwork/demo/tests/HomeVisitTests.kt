// Home-visit mode's view model: lone-working check-in/out, quick progress, quick measures.
package org.linkwork.demo.tests

import java.time.Duration
import kotlin.test.*
import org.linkwork.core.ConsultationMode
import org.linkwork.core.GoalStatus
import org.linkwork.GoalUpdate
import org.linkwork.core.Instrument
import org.linkwork.core.NewGoal
import org.linkwork.core.Timepoint
import org.linkwork.demo.visit.HomeVisitViewModel
import org.linkwork.demo.visit.VisitPhase

object HomeVisitTests {
    val all: List<DemoTest> = listOf(
        DemoTest("home visit: start checks in, timer warns past the expected length, check-out", ::lifecycle),
        DemoTest("home visit: an open visit is resumed by a new screen (restart-safe)", ::resume),
        DemoTest("home visit: quick progress; actions before the start are refused", ::progress),
        DemoTest("home visit: ONS4 baseline then follow-up, SWEMWBS metric, incomplete not prorated", ::measures),
    )

    private fun lifecycle() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val vm = HomeVisitViewModel(repo, ada, scope, clock, expectedMinutes = 60, tickMillis = null)
        assertEquals(VisitPhase.NOT_STARTED, vm.state.await("loaded") { !it.loading }.phase)
        vm.start(listOf("daughter")).join()
        var s = vm.state.value
        assertEquals(VisitPhase.IN_VISIT, s.phase, "message: ${s.message}")
        val consultation = repo.read { it.person(ada) }.caseRecord!!.consultations.single()
        assertEquals(ConsultationMode.HOME_VISIT, consultation.mode)
        assertEquals(listOf("daughter"), consultation.attendees)
        val checkedIn = assertNotNull(consultation.checkedInAt)
        assertNull(consultation.checkedOutAt)

        clock.now = checkedIn.plus(Duration.ofMinutes(59))
        vm.refreshTimer()
        assertFalse(vm.state.value.overdue)
        assertEquals(59, vm.state.value.minutesIn)
        clock.now = checkedIn.plus(Duration.ofMinutes(61))
        vm.refreshTimer()
        assertTrue(vm.state.value.overdue, "past the expected length: the screen warns")

        vm.start().join() // a second start does not open a second visit
        listOf(vm.start(), vm.start()).forEach { it.join() } // nor do quick double taps
        assertEquals(1, repo.read { it.person(ada) }.caseRecord!!.consultations.size)
        vm.checkOut("Went well").join()
        s = vm.state.value
        assertEquals(VisitPhase.CHECKED_OUT, s.phase)
        assertNotNull(s.checkedOutAt)
        val done = repo.read { it.person(ada) }.caseRecord!!.consultations.single()
        assertNotNull(done.checkedOutAt)
        assertEquals("Went well", done.notes)
        vm.refreshTimer()
        assertEquals(VisitPhase.CHECKED_OUT, vm.state.value.phase)
    }

    private fun resume() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val first = HomeVisitViewModel(repo, ada, scope, clock, tickMillis = null)
        first.state.await("loaded") { !it.loading }
        first.start().join()
        val id = first.state.value.consultationId
        // The app was killed; a new screen finds the visit still open.
        val second = HomeVisitViewModel(repo, ada, scope, clock, tickMillis = null)
        val s = second.state.await("resumed") { !it.loading }
        assertEquals(VisitPhase.IN_VISIT, s.phase)
        assertEquals(id, s.consultationId)
        second.checkOut().join()
        assertEquals(VisitPhase.CHECKED_OUT, second.state.value.phase)
    }

    private fun progress() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val (walk, dropped) = repo.edit(ada) {
            val walk = it.addGoal(ada, NewGoal(text = "Join a walking group"))
            val old = it.addGoal(ada, NewGoal(text = "Old goal"))
            it.updateGoal(old, GoalUpdate(status = GoalStatus.DROPPED))
            walk to old
        }
        val vm = HomeVisitViewModel(repo, ada, scope, clock, tickMillis = null)
        vm.state.await("loaded") { !it.loading }
        vm.recordProgress(walk, 7).join()
        assertEquals("Start the visit first.", vm.state.value.message?.text)
        assertTrue(repo.read { it.plan(ada) }.goals.first { it.id == walk }.progress.isEmpty())
        vm.dismissMessage()

        vm.start().join()
        assertEquals(listOf(walk), vm.state.value.goals.map { it.id }, "only active goals: $dropped is dropped")
        vm.recordProgress(walk, 7, "walked on Tuesday").join()
        var s = vm.state.value
        assertEquals(7, s.goals.single().latestRating)
        assertEquals("Progress 7/10 on \"Join a walking group\"", s.saved.single())
        val entry = repo.read { it.plan(ada) }.goals.first { it.id == walk }.progress.single()
        assertEquals("walked on Tuesday", entry.note)
        assertEquals("sam", entry.recordedBy)

        vm.recordProgress(walk, 11).join()
        s = vm.state.value
        assertEquals("Please check the rating (0 to 10).", s.message?.text)
        assertEquals(1, repo.read { it.plan(ada) }.goals.first { it.id == walk }.progress.size, "nothing saved")
    }

    private fun measures() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val vm = HomeVisitViewModel(repo, ada, scope, clock, tickMillis = null)
        vm.state.await("loaded") { !it.loading }
        vm.start().join()

        vm.openMeasure(Instrument.ONS4).join()
        var form = assertNotNull(vm.state.value.form)
        assertEquals(Timepoint.BASELINE, form.timepoint, "no baseline yet")
        assertEquals(4, form.items.size)
        assertEquals((0L..10L).toList(), form.items[0].options.map { it.first })
        assertEquals("incomplete: 4 unanswered", form.preview)
        listOf(4L, 5L, 4L, 7L).forEachIndexed { i, v -> vm.answer(i, v) }
        form = assertNotNull(vm.state.value.form)
        assertTrue(form.complete)
        assertEquals("life satisfaction 4 (low), worthwhile 5 (medium), happiness 4 (low), anxiety 7 (high)", form.preview)
        vm.saveMeasure().join()
        assertNull(vm.state.value.form)

        vm.openMeasure(Instrument.ONS4).join()
        assertEquals(Timepoint.FOLLOW_UP, vm.state.value.form?.timepoint, "a complete baseline exists")
        vm.cancelMeasure()

        vm.openMeasure(Instrument.SWEMWBS).join()
        listOf(3L, 3L, 3L, 3L, 3L, 4L).forEachIndexed { i, v -> vm.answer(i, v) }
        assertEquals("incomplete: 1 unanswered", vm.state.value.form?.preview)
        vm.answer(6, 4L)
        assertEquals("metric 20.73 (raw 23)", vm.state.value.form?.preview, "raw 23 converts to 20.73")
        vm.answer(0, 9L) // out of range: shown, not scored
        assertEquals("Please check the answers.", vm.state.value.form?.preview)
        vm.answer(0, 3L)
        vm.saveMeasure().join()

        val measures = repo.read { it.plan(ada) }.measures
        assertEquals(listOf(Instrument.ONS4, Instrument.SWEMWBS), measures.map { it.instrument })
        assertEquals(listOf(Timepoint.BASELINE, Timepoint.BASELINE), measures.map { it.timepoint })
        assertEquals(2, vm.state.value.saved.size)
        assertTrue(vm.state.value.saved.last().startsWith("SWEMWBS baseline: metric 20.73"), vm.state.value.saved.last())

        // An incomplete questionnaire is stored as incomplete, never prorated.
        vm.openMeasure(Instrument.SWEMWBS).join()
        assertEquals(Timepoint.FOLLOW_UP, vm.state.value.form?.timepoint)
        vm.answer(0, 5L)
        vm.saveMeasure().join()
        val last = repo.read { it.plan(ada) }.measures.last()
        assertEquals(listOf<Long?>(5L, null, null, null, null, null, null), last.answers)
        assertTrue(last.outcome is org.linkwork.core.ScoreOutcome.Incomplete)
    }
}
