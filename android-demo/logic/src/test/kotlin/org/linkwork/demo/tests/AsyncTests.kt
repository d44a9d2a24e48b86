// The view models on the core's async API and Flows: the main dispatcher stays free while the
// store works, screens follow changes made elsewhere, and leaving a screen stops its listeners.
package org.linkwork.demo.tests

import java.util.Collections
import kotlin.test.*
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelAndJoin
import org.linkwork.ChangeListener
import org.linkwork.core.GoalStatus
import org.linkwork.core.NewGoal
import org.linkwork.demo.caseload.CaseloadViewModel
import org.linkwork.demo.person.PersonViewModel

object AsyncTests {
    val all: List<DemoTest> = listOf(
        DemoTest("async: a screen's edit is written on the core's threads, never the main thread", ::mainStaysFree),
        DemoTest("flows: a screen follows edits made through another screen, with no refresh", ::follows),
        DemoTest("flows: cancelling the screens' scope removes their store listeners", ::cancellation),
    )

    private fun mainStaysFree() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val goal = repo.edit(ada) { it.addGoal(ada, NewGoal(text = "Walk")) }
        // The store calls a listener on the thread that writes: with a blocking call made by a
        // view model's action, that is the "main" thread.
        val writers = Collections.synchronizedList(mutableListOf<String>())
        val subscription = repo.read {
            it.subscribe(object : ChangeListener {
                override fun peopleChanged(personIds: List<String>) {
                    writers += Thread.currentThread().name
                }
            })
        }
        val vm = PersonViewModel(repo, ada, scope, clock)
        vm.state.await("loaded") { !it.loading }
        vm.setGoalStatus(goal, GoalStatus.ACHIEVED).join()
        vm.state.await("achieved") { it.goals.single().status == "Achieved" }
        subscription.close()
        assertTrue(writers.isNotEmpty(), "the edit was written")
        assertFalse(MAIN_THREAD in writers, "written on the core's threads, not the main thread: $writers")
    }

    private fun follows() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val goal = repo.edit(ada) { it.addGoal(ada, NewGoal(text = "Walk")) }
        val caseload = CaseloadViewModel(repo, scope, clock)
        val person = PersonViewModel(repo, ada, scope, clock)
        caseload.state.await("Ada listed") { s -> s.rows.singleOrNull()?.activeGoals == 1 }
        person.state.await("loaded") { !it.loading }
        // Another screen (or a sync) changes Ada: both screens show it without being asked.
        repo.edit(ada) { it.updateGoal(goal, org.linkwork.GoalUpdate(status = GoalStatus.ACHIEVED)) }
        caseload.state.await("no active goal") { s -> s.rows.single().activeGoals == 0 }
        person.state.await("achieved") { it.goals.single().status == "Achieved" }
        // A search restarts the observation; a change still reaches it.
        caseload.search("grace").join()
        assertTrue(caseload.state.value.rows.isEmpty())
        val grace = repo.addPerson(newPerson("Grace", "Hopper", nhs = null))
        val listed = caseload.state.await("Grace found by the live search") { s -> s.rows.any { it.personId == grace } }
        assertEquals(listOf("Grace Hopper"), listed.rows.map { it.name })
    }

    private fun cancellation() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        suspend fun listeners() = repo.read { it.listenerCount() }.toLong()
        assertEquals(0L, listeners())
        // A screen's scope, as Android's viewModelScope: a child of the world's.
        val screenJob = Job(scope.coroutineContext[Job])
        val screen = CoroutineScope(scope.coroutineContext + screenJob)
        val caseload = CaseloadViewModel(repo, screen, clock)
        val person = PersonViewModel(repo, ada, screen, clock)
        caseload.state.await("listed") { it.rows.size == 1 }
        person.state.await("loaded") { !it.loading }
        assertEquals(2L, listeners(), "one listener per observed screen")
        screenJob.cancelAndJoin()
        assertEquals(0L, listeners(), "leaving the screens unsubscribed them")
        // The store still works, and nobody hears it.
        repo.edit(ada) { it.addGoal(ada, NewGoal(text = "Walk")) }
        assertEquals(0L, listeners())
    }
}
