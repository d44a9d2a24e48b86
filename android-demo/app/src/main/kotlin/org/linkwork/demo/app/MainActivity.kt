package org.linkwork.demo.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.linkwork.demo.app.ui.DemoNavHost
import org.linkwork.demo.data.SessionState

/** The one activity: waits for the caseload to open, then hosts the screens. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val app = application as LinkWorkDemoApp
        setContent {
            MaterialTheme {
                Surface(Modifier.fillMaxSize()) {
                    val session by app.session.state.collectAsStateWithLifecycle()
                    when (val s = session) {
                        SessionState.Opening -> Centered { CircularProgressIndicator() }
                        is SessionState.Failed -> Centered {
                            Text(s.message.text)
                            Button(onClick = { app.session.open() }) { Text("Try again") }
                        }
                        is SessionState.Ready -> DemoNavHost(s.repository, app.syncTargets, app.hubConnector, app.hubSettings)
                    }
                }
            }
        }
    }
}

@Composable
private fun Centered(content: @Composable () -> Unit) {
    Column(
        Modifier.fillMaxSize().padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) { content() }
}
