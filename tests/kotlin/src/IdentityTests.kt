// Device identity through the Kotlin API: an organisation issues certificates from device
// requests, a link worker pairs a patient's phone with a code (the async createPaired), and a
// secure channel carries an authenticated sync. Refusals and revocation lists are tested in
// Rust (core/src/identity, tests/tests/integration/identity_signing.rs).
package org.linkwork.tests

import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.linkwork.*
import org.linkwork.core.*

object IdentityTests {
    val all = listOf(
        TestCase("identity: request, issue, install") { enrol() },
        TestCase("identity: pair a patient's phone with its code") { pair() },
        TestCase("identity: secure channel, then an authenticated sync of sealed messages") { channel() },
    )

    private fun ByteArray.contains(text: String): Boolean {
        val needle = text.toByteArray()
        return (0..size - needle.size).any { i -> needle.indices.all { this[i + it] == needle[it] } }
    }

    private suspend fun channel() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore("a.db").use { a ->
            dir.linkWorkerStore("b.db", "jo").use { b ->
                enrolled(org, a, CertificateRole.LINK_WORKER, false)
                enrolled(org, b, CertificateRole.LINK_WORKER, false)
                val pid = a.addPerson(newPerson())
                val start = a.secureChannelInitiate(false)
                val cb = b.secureChannelAccept(false)
                val m2 = cb.receiveHandshake(start.message)!!
                val m3 = start.channel.receiveHandshake(m2)!!
                assertFalse(start.channel.isOpen(), "the connecting side waits for the listener's certificate")
                val m4 = cb.receiveHandshake(m3)!!
                assertEquals(null, start.channel.receiveHandshake(m4))
                assertTrue(start.channel.isOpen() && cb.isOpen())
                assertEquals("jo", start.channel.peerCertificate()!!.name)
                assertEquals("sam.worker", cb.peerCertificate()!!.name)
                val (sa, first) = a.syncStartAuthenticated(start.channel)
                val sb = b.syncAcceptAuthenticated(cb)
                val wire = mutableListOf<ByteArray>()
                var frame: ByteArray? = start.channel.seal(first)
                var toB = true
                var rounds = 0
                while (frame != null && rounds < 50) {
                    rounds++
                    wire.add(frame)
                    val sealed: ByteArray = frame
                    frame = if (toB) {
                        sb.receive(cb.open(sealed)).reply?.let { cb.seal(it) }
                    } else {
                        sa.receive(start.channel.open(sealed)).reply?.let { start.channel.seal(it) }
                    }
                    toB = !toB
                }
                assertEquals("Lovelace", b.person(pid).caseRecord!!.demographics.familyName)
                assertFalse(wire.any { it.contains("Lovelace") || it.contains("943 476 5919") })
                // A frame altered on the way closes the channel.
                val sealed = start.channel.seal(byteArrayOf(1, 2, 3))
                sealed[sealed.size - 1] = (sealed[sealed.size - 1].toInt() xor 1).toByte()
                assertFailsWith<LinkWorkException.Untrusted> { cb.open(sealed) }
            }
        }
    }

    private suspend fun enrolled(org: Organisation, store: LinkWorkStore, role: CertificateRole, enrol: Boolean): DeviceCertificate =
        store.installCertificate(org.issue(store.certificateRequest(), role, false, enrol, 30))

    private suspend fun enrol() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore().use { store ->
            val before = store.deviceIdentity()
            assertFalse(before.enrolled)
            assertEquals(64, before.deviceKey.length)
            val cert = enrolled(org, store, CertificateRole.TEAM_LEAD, true)
            assertEquals("Northtown PCN", cert.organisation)
            assertEquals(org.key(), cert.organisationKey)
            assertEquals(before.deviceKey, cert.deviceKey)
            assertEquals(CertificateRole.TEAM_LEAD, cert.role)
            assertEquals("sam.worker", cert.name)
            assertTrue(cert.canEnrolPatients)
            assertFalse(cert.canErase)
            assertTrue(cert.expiresAt.isAfter(cert.issuedAt))
            assertTrue(store.deviceIdentity().enrolled)
        }
    }

    private suspend fun pair() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore().use { lw ->
            enrolled(org, lw, CertificateRole.LINK_WORKER, true)
            val pid = lw.addPerson(newPerson())
            val offer = lw.pairPatient(pid, 365)
            assertEquals(6, offer.code.length)
            assertTrue(offer.payload.size < 1000)
            val wrong = if (offer.code == "000000") "000001" else "000000"
            val e = assertFailsWith<LinkWorkException.Untrusted> {
                LinkWorkStore.createPaired(dir.path("phone.db"), StoreKey.Unencrypted, "Ada", offer.payload, wrong)
            }
            assertEquals("pairing code does not match", e.reason)
            assertFalse(java.io.File(dir.path("phone.db")).exists())
            LinkWorkStore.createPaired(dir.path("phone.db"), StoreKey.Unencrypted, "Ada", offer.payload, offer.code).use { phone ->
                assertEquals(pid, phone.info().personId)
                val cert = assertNotNull(phone.deviceIdentity().certificate)
                assertEquals(CertificateRole.PATIENT, cert.role)
                assertEquals(pid, cert.personId)
                assertTrue(cert.paired)
                // The link worker accepts the phone's certificate as a peer, and the reverse.
                val seen = lw.verifyPeerCertificate(phone.deviceIdentity().certificateBytes!!)
                assertEquals(pid, seen.personId)
                assertEquals(CertificateRole.PATIENT, seen.role)
                phone.verifyPeerCertificate(lw.deviceIdentity().certificateBytes!!)
            }
        }
    }
}
