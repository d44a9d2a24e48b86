package org.linkwork.demo.app

import android.app.Application
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import org.linkwork.LinkWorkStore
import org.linkwork.demo.data.DeviceSession
import org.linkwork.demo.data.StoreProvider
import org.linkwork.demo.identity.DemoOrganisation
import org.linkwork.demo.sync.FileHubSettingsStore
import org.linkwork.demo.sync.HubConnector
import org.linkwork.demo.sync.HubSettingsStore
import org.linkwork.demo.sync.SocketTransport
import org.linkwork.demo.sync.SyncTarget
import org.linkwork.demo.sync.SyncTargetKind

/** The app's object graph: one store session for the process, and the sync targets. */
class LinkWorkDemoApp : Application() {
    private val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)

    /** The caseload, opened off the main thread at start. */
    lateinit var session: DeviceSession
        private set

    /**
     * Other places the sync screen can sync to (a colleague's phone is reached by address; the
     * organisation's `linkwork-hub` through [hubConnector] and [hubSettings]): with the in-app
     * demo organisation, the reference hub (`linkwork sync serve`), which needs no enrolment.
     */
    val syncTargets: List<SyncTarget> = if (!BuildConfig.DEMO_ORGANISATION) {
        emptyList()
    } else {
        listOf(
            SyncTarget("demo-hub", "Demo hub (linkwork sync serve)", SyncTargetKind.TEAM_HUB) {
                SocketTransport.connect(BuildConfig.HUB_HOST, BuildConfig.HUB_PORT, Dispatchers.IO)
            },
        )
    }

    /** Sockets to the organisation's `linkwork-hub` (enrolment, and hub sync through `HubSync`). */
    val hubConnector: HubConnector by lazy { OkHttpHubSocket.connector(OkHttpHubSocket.client()) }

    /** The `linkwork-hub` this phone enrolled with (its address), kept in the app's files. */
    val hubSettings: HubSettingsStore by lazy { FileHubSettingsStore(File(filesDir, "hub-settings"), Dispatchers.IO) }

    override fun onCreate() {
        super.onCreate()
        val provider = StoreProvider(filesDir, KeystoreKeySupplier(File(noBackupFilesDir, "keys")))
        session = DeviceSession(
            provider = provider,
            storeName = "caseload",
            user = BuildConfig.DEMO_USER,
            io = Dispatchers.IO,
            scope = appScope,
            enrol = demoEnrolment(),
        )
        session.open()
    }

    /**
     * Demo only: the app plays the organisation's administrator (see DemoOrganisation), unless
     * built to enrol with a real `linkwork-hub` instead (`DEMO_ORGANISATION = false`).
     */
    private fun demoEnrolment(): ((LinkWorkStore) -> Unit)? =
        if (!BuildConfig.DEMO_ORGANISATION) {
            null
        } else {
            { store -> DemoOrganisation.loadOrCreate(File(noBackupFilesDir, "demo-org")).ensureEnrolled(store) }
        }
}
