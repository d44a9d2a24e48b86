// The home visit's service search: find a service in the offline directory and refer to it.
package org.linkwork.demo.tests

import kotlin.test.*
import org.linkwork.demo.visit.ServiceSearchModel

object ServiceSearchTests {
    val all: List<DemoTest> = listOf(
        DemoTest("home visit: search the directory offline and refer by service id", ::searchAndRefer),
        DemoTest("home visit: a service gone from the directory is refused with a message", ::unknownService),
    )

    private const val FEED = """{"contents": [
        {"id": "svc-lunch", "name": "Lunch Club", "organization": {"id": "o1", "name": "Chapeltown Community Centre"}},
        {"id": "svc-walk", "name": "Walking Group"}]}"""

    private fun searchAndRefer() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        repo.read { it.directoryImport(FEED.toByteArray(), "feed.json") }
        val vm = ServiceSearchModel(repo, ada, scope)
        vm.search("lunch clb").join()
        val hit = vm.state.value.results.first()
        assertEquals("svc-lunch", hit.id)
        assertEquals("not referred yet", hit.outcomes)
        vm.refer("svc-lunch", "loneliness").join()
        assertNull(vm.state.value.message)
        assertEquals(listOf("Lunch Club"), vm.state.value.referred)
        assertEquals("1 referred, 0 accepted, 0 no capacity", vm.state.value.results.first().outcomes)
        val referral = repo.read { it.person(ada) }.caseRecord!!.onwardReferrals.single()
        assertEquals("svc-lunch", referral.serviceId)
        assertEquals("Lunch Club", referral.service)
    }

    private fun unknownService() = world {
        val repo = linkWorker("phone", "sam")
        val ada = repo.addPerson(newPerson())
        val vm = ServiceSearchModel(repo, ada, scope)
        vm.refer("svc-gone").join()
        assertNotNull(vm.state.value.message)
        assertTrue(vm.state.value.referred.isEmpty())
        assertTrue(repo.read { it.person(ada) }.caseRecord!!.onwardReferrals.isEmpty())
    }
}
