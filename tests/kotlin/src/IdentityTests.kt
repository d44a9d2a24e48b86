// Device identity through the Kotlin API: an organisation issues certificates from device
// requests, a link worker pairs a patient's phone with a code, revocation lists move forward
// only, and every refusal is LinkWorkException.Untrusted that installs nothing.
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
        TestCase("identity: refusals are Untrusted and install nothing") { refusals() },
        TestCase("identity: revocation lists refuse revoked devices, only move forward") { revoke() },
        TestCase("identity: secure channel, then an authenticated sync of sealed messages") { channel() },
        TestCase("identity: enrolled and unenrolled stores refuse each other") { channelRefused() },
        TestCase("identity: history shows the author its signature proves") { verifiedAuthors() },
    )

    // ADR 0007: every change is signed by its device; history's author is the signer's
    // certificate once the store holds one, "unverified" before.
    private fun verifiedAuthors() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore().use { store ->
            val pid = store.addPersonBlocking(newPerson())
            val before = store.historyBlocking(pid).first().author
            check(before is Author.Unverified) { "$before" }
            assertEquals(store.deviceIdentityBlocking().deviceKey, before.device)
            enrolled(org, store, CertificateRole.LINK_WORKER, false)
            val after = store.historyBlocking(pid).first().author
            check(after is Author.Verified) { "$after" }
            assertEquals("sam.worker", after.name)
            assertEquals("link-worker", after.role)
            assertEquals(store.deviceIdentityBlocking().deviceKey, after.device)
            assertFalse(after.adopted)
        }
    }

    private fun ByteArray.contains(text: String): Boolean {
        val needle = text.toByteArray()
        return (0..size - needle.size).any { i -> needle.indices.all { this[i + it] == needle[it] } }
    }

    private fun channel() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore("a.db").use { a ->
            dir.linkWorkerStore("b.db", "jo").use { b ->
                enrolled(org, a, CertificateRole.LINK_WORKER, false)
                enrolled(org, b, CertificateRole.LINK_WORKER, false)
                val pid = a.addPersonBlocking(newPerson())
                val start = a.secureChannelInitiateBlocking(false)
                val cb = b.secureChannelAcceptBlocking(false)
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
                        sb.receiveBlocking(cb.open(sealed)).reply?.let { cb.seal(it) }
                    } else {
                        sa.receiveBlocking(start.channel.open(sealed)).reply?.let { start.channel.seal(it) }
                    }
                    toB = !toB
                }
                assertEquals("Lovelace", b.personBlocking(pid).caseRecord!!.demographics.familyName)
                assertFalse(wire.any { it.contains("Lovelace") || it.contains("943 476 5919") })
                // A frame altered on the way closes the channel.
                val sealed = start.channel.seal(byteArrayOf(1, 2, 3))
                sealed[sealed.size - 1] = (sealed[sealed.size - 1].toInt() xor 1).toByte()
                assertFailsWith<LinkWorkException.Untrusted> { cb.open(sealed) }
            }
        }
    }

    private fun channelRefused() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore("a.db").use { a ->
            dir.linkWorkerStore("c.db", "stranger").use { c ->
                enrolled(org, a, CertificateRole.LINK_WORKER, false)
                assertEquals("not enrolled",
                    assertFailsWith<LinkWorkException.Untrusted> { c.secureChannelInitiateBlocking(false) }.reason)
                // The unenrolled side (opted in) connects without a certificate; the enrolled
                // listener refuses it before showing anything of its own certificate.
                val start = c.secureChannelInitiateBlocking(true)
                val ca = a.secureChannelAcceptBlocking(true)
                val m2 = ca.receiveHandshake(start.message)!!
                val m3 = start.channel.receiveHandshake(m2)!!
                assertEquals("peer not authenticated",
                    assertFailsWith<LinkWorkException.Untrusted> { ca.receiveHandshake(m3) }.reason)
                assertEquals(null, start.channel.peerCertificate())
                assertFailsWith<LinkWorkException.Untrusted> { a.syncAcceptAuthenticated(ca) }
            }
        }
    }

    private fun enrolled(org: Organisation, store: LinkWorkStore, role: CertificateRole, enrol: Boolean): DeviceCertificate =
        store.installCertificateBlocking(org.issue(store.certificateRequestBlocking(), role, false, enrol, 30))

    private fun enrol() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore().use { store ->
            val before = store.deviceIdentityBlocking()
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
            assertTrue(store.deviceIdentityBlocking().enrolled)
        }
    }

    private fun pair() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore().use { lw ->
            enrolled(org, lw, CertificateRole.LINK_WORKER, true)
            val pid = lw.addPersonBlocking(newPerson())
            val offer = lw.pairPatientBlocking(pid, 365)
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
                val cert = assertNotNull(phone.deviceIdentityBlocking().certificate)
                assertEquals(CertificateRole.PATIENT, cert.role)
                assertEquals(pid, cert.personId)
                assertTrue(cert.paired)
                // The link worker accepts the phone's certificate as a peer, and the reverse.
                val seen = lw.verifyPeerCertificateBlocking(phone.deviceIdentityBlocking().certificateBytes!!)
                assertEquals(pid, seen.personId)
                assertEquals(CertificateRole.PATIENT, seen.role)
                phone.verifyPeerCertificateBlocking(lw.deviceIdentityBlocking().certificateBytes!!)
            }
        }
    }

    private fun refusals() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        val other = Organisation.create("Elsewhere PCN")
        dir.linkWorkerStore("a.db").use { a ->
            dir.linkWorkerStore("b.db", "jo").use { b ->
                val forA = org.issue(a.certificateRequestBlocking(), CertificateRole.LINK_WORKER, false, false, 30)
                assertEquals("for another device",
                    assertFailsWith<LinkWorkException.Untrusted> { b.installCertificateBlocking(forA) }.reason)
                assertEquals("role does not match",
                    assertFailsWith<LinkWorkException.Untrusted> {
                        org.issue(a.certificateRequestBlocking(), CertificateRole.PATIENT, false, false, 30)
                    }.reason)
                a.installCertificateBlocking(forA)
                val foreign = other.issue(a.certificateRequestBlocking(), CertificateRole.ADMIN, true, true, 30)
                assertEquals("issued by another organisation",
                    assertFailsWith<LinkWorkException.Untrusted> { a.installCertificateBlocking(foreign) }.reason)
                assertEquals(CertificateRole.LINK_WORKER, a.deviceIdentityBlocking().certificate!!.role)
                val tampered = forA.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 1).toByte() }
                assertFailsWith<LinkWorkException.Untrusted> { a.verifyPeerCertificateBlocking(tampered) }
                assertEquals("not enrolled",
                    assertFailsWith<LinkWorkException.Untrusted> { b.verifyPeerCertificateBlocking(forA) }.reason)
                val pid = a.addPersonBlocking(newPerson())
                assertEquals("issuer may not enrol patients",
                    assertFailsWith<LinkWorkException.Untrusted> { a.pairPatientBlocking(pid, 30) }.reason)
            }
        }
    }

    private fun revoke() = withTempDir { dir ->
        val org = Organisation.create("Northtown PCN")
        dir.linkWorkerStore("a.db").use { a ->
            dir.linkWorkerStore("b.db", "jo").use { b ->
                enrolled(org, a, CertificateRole.LINK_WORKER, false)
                val bCert = org.issue(b.certificateRequestBlocking(), CertificateRole.LINK_WORKER, false, false, 30)
                b.installCertificateBlocking(bCert)
                a.verifyPeerCertificateBlocking(bCert)
                val v1 = org.revoke(null, b.deviceIdentityBlocking().deviceKey)
                val v2 = org.revoke(v1, "ab".repeat(32))
                val info = a.updateTrustBlocking(v2)
                assertEquals(2L, info.version)
                assertTrue(b.deviceIdentityBlocking().deviceKey in info.revokedDevices)
                assertEquals("revoked",
                    assertFailsWith<LinkWorkException.Untrusted> { a.verifyPeerCertificateBlocking(bCert) }.reason)
                assertEquals("revocation list is not newer than the installed one",
                    assertFailsWith<LinkWorkException.Untrusted> { a.updateTrustBlocking(v1) }.reason)
                assertEquals(2L, a.deviceIdentityBlocking().revocationListVersion)
            }
        }
    }
}
