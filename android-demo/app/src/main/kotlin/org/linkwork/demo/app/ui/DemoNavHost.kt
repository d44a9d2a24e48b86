package org.linkwork.demo.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import kotlinx.coroutines.Dispatchers
import org.linkwork.LinkWorkStore
import org.linkwork.demo.app.rememberScreenModel
import org.linkwork.demo.caseload.CaseloadViewModel
import org.linkwork.demo.data.LinkWorkRepository
import org.linkwork.demo.identity.PairingViewModel
import org.linkwork.demo.person.PersonViewModel
import org.linkwork.demo.sync.EnrolViewModel
import org.linkwork.demo.sync.HubConnector
import org.linkwork.demo.sync.HubSettingsStore
import org.linkwork.demo.sync.HubSync
import org.linkwork.demo.sync.HubSyncViewModel
import org.linkwork.demo.sync.SyncTarget
import org.linkwork.demo.sync.SyncViewModel
import org.linkwork.demo.visit.HomeVisitViewModel
import org.linkwork.demo.visit.ServiceSearchModel

/** The screens and how they link: caseload -> add person -> person; caseload -> person -> home visit or pairing their phone; caseload -> sync -> enrol with the team hub. */
@Composable
fun DemoNavHost(
    repository: LinkWorkRepository,
    targets: List<SyncTarget>,
    hubConnector: HubConnector,
    hubSettings: HubSettingsStore,
) {
    val nav = rememberNavController()
    // The store is the repository's; HubSync only moves frames over the app's sockets.
    val store by produceState<LinkWorkStore?>(null, repository) { value = repository.read { it } }
    NavHost(nav, startDestination = "caseload") {
        composable("caseload") {
            val vm = rememberScreenModel("caseload") { scope -> CaseloadViewModel(repository, scope) }
            CaseloadScreen(
                vm,
                onOpen = { id -> nav.navigate("person/$id") },
                onAdd = { nav.navigate("add") },
                onSync = { nav.navigate("sync") },
            )
        }
        composable("add") {
            val vm = rememberScreenModel("add") { scope -> CaseloadViewModel(repository, scope) }
            AddPersonScreen(vm, onAdded = { id -> nav.navigate("person/$id") { popUpTo("caseload") } }, onBack = { nav.popBackStack() })
        }
        composable("person/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val vm = rememberScreenModel("person") { scope -> PersonViewModel(repository, id, scope) }
            PersonScreen(vm, onVisit = { nav.navigate("visit/$id") }, onPair = { nav.navigate("pair/$id") }, onBack = { nav.popBackStack() })
        }
        composable("pair/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val vm = rememberScreenModel("pair") { scope -> PairingViewModel(repository, id, scope) }
            PairingScreen(vm, onBack = { nav.popBackStack() })
        }
        composable("visit/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val vm = rememberScreenModel("visit") { scope -> HomeVisitViewModel(repository, id, scope) }
            val services = rememberScreenModel("visit-services") { scope -> ServiceSearchModel(repository, id, scope) }
            HomeVisitScreen(vm, services, onBack = { nav.popBackStack() })
        }
        composable("sync") {
            val vm = rememberScreenModel("sync") { scope -> SyncViewModel(repository, targets, scope) }
            store?.let { s ->
                val hub = rememberScreenModel("hub-sync") { scope ->
                    HubSyncViewModel(repository, HubSync(s, hubConnector, Dispatchers.IO), hubSettings, scope)
                }
                SyncScreen(vm, hub, onEnrol = { nav.navigate("enrol") }, onBack = { nav.popBackStack() })
            }
        }
        composable("enrol") {
            store?.let { s ->
                val vm = rememberScreenModel("enrol") { scope ->
                    EnrolViewModel(HubSync(s, hubConnector, Dispatchers.IO), scope, hubSettings)
                }
                EnrolScreen(vm, onDone = { nav.popBackStack() }, onBack = { nav.popBackStack() })
            }
        }
    }
}
