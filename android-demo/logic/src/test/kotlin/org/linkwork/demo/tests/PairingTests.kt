// Pairing a patient's phone from the link worker's app: the demo organisation enrols the app's
// store, the pairing screen shows an offer and its code, the phone created from it syncs
// authenticated and gets only its person's plan; a wrong code, a second phone for the same
// offer and a stranger's phone are refused.
package org.linkwork.demo.tests

import kotlin.test.*
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import org.linkwork.CertificateRole
import org.linkwork.core.LinkWorkException
import org.linkwork.core.NewGoal
import org.linkwork.core.Role
import org.linkwork.demo.data.DeviceSession
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.data.SessionState
import org.linkwork.demo.identity.DemoOrganisation
import org.linkwork.demo.identity.PairingText
import org.linkwork.demo.identity.PairingViewModel
import org.linkwork.demo.sync.InProcessTransport
import org.linkwork.demo.sync.SyncOutcome

object PairingTests {
    val all: List<DemoTest> = listOf(
        DemoTest("pairing: the demo organisation enrols the app's store once, and is kept", ::enrolment),
        DemoTest("pairing: the worker's phone offers a code; the patient's phone pairs and syncs authenticated", ::pairAndSync),
        DemoTest("pairing: a wrong code, a second phone for one offer and a stranger are refused", ::refusals),
        DemoTest("pairing: an unenrolled phone cannot offer pairing", ::unenrolled),
    )

    /** [patient] connects to [worker] in-process and syncs one session. */
    private suspend fun World.syncWith(patient: LinkWorkRepository, worker: LinkWorkRepository): SyncOutcome {
        val (mine, theirs) = InProcessTransport.pair()
        scope.launch(Dispatchers.IO) { runCatching { worker.sync(theirs, connect = false) } }
        return patient.sync(mine)
    }

    private suspend fun World.enrolledWorker(): LinkWorkRepository {
        val org = DemoOrganisation.loadOrCreate(dir.resolve("org"))
        return linkWorker("phone", "sam").also { repo -> repo.read { org.ensureEnrolled(it) } }
    }

    private fun enrolment() = world {
        val orgDir = dir.resolve("org")
        val org = DemoOrganisation.loadOrCreate(orgDir)
        assertEquals(org.key, DemoOrganisation.loadOrCreate(orgDir).key, "the organisation is kept, not made again")
        val session = DeviceSession(provider, "phone", "sam", Dispatchers.IO, scope, enrol = { org.ensureEnrolled(it) })
        session.open().join()
        val repo = assertIs<SessionState.Ready>(session.state.value).repository
        val cert = assertNotNull(repo.read { it.deviceIdentity() }.certificate)
        assertEquals(DemoOrganisation.NAME, cert.organisation)
        assertEquals(org.key, cert.organisationKey)
        assertEquals(CertificateRole.LINK_WORKER, cert.role)
        assertTrue(cert.canEnrolPatients)
        session.close()
        // Opening again keeps the certificate it has.
        val again = DeviceSession(provider, "phone", "sam", Dispatchers.IO, scope, enrol = { assertEquals(cert, org.ensureEnrolled(it)) })
        again.open().join()
        assertIs<SessionState.Ready>(again.state.value)
        again.close()
    }

    private fun pairAndSync() = world {
        val worker = enrolledWorker()
        val ada = worker.addPerson(newPerson())
        worker.edit(ada) { it.addGoal(ada, NewGoal(text = "Join a walking group")) }
        worker.addPerson(newPerson("Grace", "Hopper", nhs = null))

        val vm = PairingViewModel(worker, ada, scope, clock)
        vm.load().join()
        assertEquals("Ada Lovelace", vm.state.value.personName)
        vm.makeOffer().join()
        val offer = assertNotNull(vm.state.value.offer, "${vm.state.value.message}")
        assertTrue(offer.code.matches(Regex("[0-9]{6}")))
        vm.refreshExpiry()
        assertFalse(vm.state.value.expired)
        clock.now = offer.pairBy.plusSeconds(1)
        vm.refreshExpiry()
        assertTrue(vm.state.value.expired, "after 15 minutes the screen asks for a new offer")

        val payload = assertNotNull(PairingText.decode("\n" + offer.text.chunked(40).joinToString(" ") + "\n"))
        val phone = LinkWorkRepository(provider.createPairedPatient("ada-phone", "Ada", payload, offer.code), Dispatchers.IO)
        try {
            val cert = assertNotNull(phone.read { it.deviceIdentity() }.certificate)
            assertEquals(CertificateRole.PATIENT, cert.role)
            assertEquals(ada, cert.personId)
            assertTrue(cert.paired)

            val outcome = syncWith(phone, worker)
            assertEquals(Role.LINK_WORKER, outcome.peer?.role)
            assertEquals(listOf("Join a walking group"), phone.read { it.plan(ada) }.goals.map { it.text })
            assertEquals(setOf(ada), phone.read { it.documents() }.map { it.personId }.toSet(), "only Ada's plan")
            assertNull(phone.read { it.person(ada) }.caseRecord, "no case data on the phone")
            val seen = worker.read { it.peers() }.single { it.role == Role.PATIENT }
            assertEquals("Ada", seen.certificateName)
            assertEquals("patient", seen.certificateRole)
        } finally {
            phone.close()
        }
    }

    private fun refusals() = world {
        val worker = enrolledWorker()
        val ada = worker.addPerson(newPerson())
        val vm = PairingViewModel(worker, ada, scope, clock)
        vm.makeOffer().join()
        val offer = assertNotNull(vm.state.value.offer)
        val payload = assertNotNull(PairingText.decode(offer.text))
        val wrong = if (offer.code == "000000") "000001" else "000000"
        assertFailsWith<LinkWorkException.Untrusted> { provider.createPairedPatient("ada-phone", "Ada", payload, wrong) }
        assertFalse(provider.fileFor("ada-phone").exists(), "a wrong code creates nothing")
        assertNull(PairingText.decode("not base64!"))

        // The offer enrols one phone: a second phone taking it up (a photographed QR code)
        // is refused by the worker's phone once the first has synced, and receives nothing.
        val first = LinkWorkRepository(provider.createPairedPatient("ada-phone", "Ada", payload, offer.code), Dispatchers.IO)
        val second = LinkWorkRepository(provider.createPairedPatient("copy-phone", "Ada", payload, offer.code), Dispatchers.IO)
        try {
            syncWith(first, worker)
            val refused = assertFailsWith<LinkWorkException> { syncWith(second, worker) }
            assertTrue(second.read { it.documents() }.isEmpty(), "the second phone received nothing: $refused")
            syncWith(first, worker)
        } finally {
            first.close()
            second.close()
        }

        // A stranger who knows Ada's id makes an unenrolled store claiming to be her phone.
        val stranger = LinkWorkRepository(provider.openOrCreatePatient("stranger", "someone", ada), Dispatchers.IO)
        try {
            assertFailsWith<LinkWorkException> { syncWith(stranger, worker) }
            assertTrue(stranger.read { it.documents() }.isEmpty(), "the stranger received nothing")
        } finally {
            stranger.close()
        }
    }

    private fun unenrolled() = world {
        val worker = linkWorker("phone", "sam")
        val ada = worker.addPerson(newPerson())
        val vm = PairingViewModel(worker, ada, scope, clock)
        vm.makeOffer().join()
        assertNull(vm.state.value.offer)
        assertNotNull(vm.state.value.message)
        assertFalse(vm.state.value.running)
    }
}
