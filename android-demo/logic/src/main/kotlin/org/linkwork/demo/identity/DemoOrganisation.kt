package org.linkwork.demo.identity

import java.io.File
import org.linkwork.CertificateRole
import org.linkwork.DeviceCertificate
import org.linkwork.LinkWorkStore
import org.linkwork.Organisation

/**
 * **Demo only.** The organisation that certifies the demo's devices, so that they sync
 * authenticated and the link worker's phone may pair a patient's phone.
 *
 * In a deployment the organisation's signing key never sits on a link worker's phone: the
 * administrator (`linkwork org init`) or the team's hub keeps it, and a device is enrolled once
 * with `certificateRequest()` → the administrator's `issue` → `installCertificate`
 * (docs/security.md, "Identity"). The demo plays the administrator in-app instead: on first run
 * it creates an organisation named [NAME] and keeps its secret in [keyFile] (the app's private
 * files). A key file written by `linkwork org init --dir ORG` (`ORG/org.key`) put there instead
 * makes the demo enrol into that organisation, so a `linkwork sync serve` hub enrolled by the
 * same ORG, or a colleague's phone given the same file, is a peer of the same organisation.
 *
 * @param keyFile where the organisation's secret bytes live.
 */
class DemoOrganisation private constructor(private val org: Organisation, val keyFile: File) {

    /** The organisation's public key, 64 hex digits: what every enrolled device trusts. */
    val key: String get() = org.key()

    /**
     * Enrols [store] if it holds no certificate yet: the certificate request of its device goes
     * to the organisation, which issues [role] (a link worker's phone or the team hub, allowed to
     * enrol patients' phones and to erase) for [DAYS] days, and the store installs it with the
     * organisation's trust root. A store already enrolled (by this organisation or another) is
     * left as it is. Returns the store's certificate. The store calls are the core's suspend calls
     * (on its I/O threads); issuing signs in memory.
     *
     * @throws org.linkwork.core.LinkWorkException.Untrusted when the store cannot take the
     *   certificate (e.g. its role does not fit).
     */
    suspend fun ensureEnrolled(store: LinkWorkStore, role: CertificateRole = CertificateRole.LINK_WORKER): DeviceCertificate {
        store.deviceIdentity().certificate?.let { return it }
        val certificate = org.issue(store.certificateRequest(), role, true, true, DAYS)
        return store.installCertificate(certificate)
    }

    companion object {
        /** The demo organisation's name: says on every certificate that it is not real. */
        const val NAME = "Demo organisation (not for real use)"

        /** How long the demo's certificates last, in days. */
        const val DAYS = 365

        /** The key file's name in the app's files directory (the name `linkwork org init` uses). */
        const val KEY_FILE = "org.key"

        /**
         * The demo organisation kept in [directory]/[KEY_FILE], created there (readable by this
         * app only) on first run. Blocks on disk I/O.
         *
         * @throws org.linkwork.core.LinkWorkException.Untrusted when the file holds something else.
         */
        fun loadOrCreate(directory: File): DemoOrganisation {
            val file = File(directory, KEY_FILE)
            if (file.exists()) {
                return DemoOrganisation(Organisation.fromSecretBytes(file.readBytes()), file)
            }
            directory.mkdirs()
            val org = Organisation.create(NAME)
            val tmp = File(directory, "$KEY_FILE.tmp")
            tmp.writeBytes(org.secretBytes())
            tmp.setReadable(false, false)
            tmp.setReadable(true, true)
            check(tmp.renameTo(file)) { "could not keep the demo organisation's key" }
            return DemoOrganisation(org, file)
        }
    }
}
