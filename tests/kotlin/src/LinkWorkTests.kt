// Kotlin/JVM suite of the linkwork bindings: drives the generated org.linkwork API against the
// real native library. Run with `bash tests/kotlin/run.sh`; prints PASS/FAIL per test and a
// final "N passed, N failed" line, and exits non-zero on any failure.
package org.linkwork.tests

import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import org.linkwork.uniffiEnsureInitialized

/** A named test body: a suspend function, so tests call the async API as an app does. */
class TestCase(val name: String, val body: suspend () -> Unit)

/** Every test of the suite, in run order. */
object LinkWorkTests {
    init {
        // Checks the generated code against the loaded library (checksums) before any call:
        // a stale binding then fails cleanly instead of crashing the JVM.
        uniffiEnsureInitialized()
    }

    val all: List<TestCase> =
        FlowTests.all + ErrorTests.all + ListenerTests.all + LifecycleTests.all +
            ExchangeTests.all + MeasureTests.all + ReportTests.all + SyncTests.all +
            EncryptionTests.all + IdentityTests.all +
            DirectoryTests.all + DirectoryShareTests.all + SyncStateTests.all +
            ReferralReportTests.all + ObservationTests.all + HubTests.all + AsyncTests.all +
            GettingStartedTests.all +
            SignedIntegerTests.all
}

fun main() {
    var passed = 0
    var failed = 0
    val tests = try {
        LinkWorkTests.all
    } catch (t: Throwable) {
        println("FAIL initialisation: ${t.cause ?: t}")
        (t.cause ?: t).printStackTrace()
        println("0 passed, 1 failed")
        exitProcess(1)
    }
    for (test in tests) {
        val started = System.nanoTime()
        try {
            runBlocking { test.body() }
            passed++
            println("PASS ${test.name} (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (t: Throwable) {
            failed++
            println("FAIL ${test.name}: $t")
            t.printStackTrace(System.out)
        }
    }
    println("$passed passed, $failed failed")
    // A run in which no test passed proves nothing, even with no failure.
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}
