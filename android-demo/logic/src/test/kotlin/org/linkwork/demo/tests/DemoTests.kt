// Tests of the Android demo's logic layer (view models, repository, sync driver, transports)
// against the real native library. Plain main runner like tests/kotlin: prints PASS/FAIL per
// test and "N passed, N failed"; exits non-zero on any failure. Run by tests/kotlin/run.sh.
package org.linkwork.demo.tests

import kotlin.system.exitProcess
import org.linkwork.uniffiEnsureInitialized

/** A named test body. */
class DemoTest(val name: String, val body: () -> Unit)

/** Thrown by a test that cannot run here; the runner reports it as skipped, with [reason]. */
class Skipped(val reason: String) : Exception(reason)

/** Every test of the demo's logic, in run order. */
object DemoTests {
    init {
        uniffiEnsureInitialized()
    }

    val all: List<DemoTest> =
        DataTests.all + AsyncTests.all + CaseloadTests.all + PersonTests.all + HomeVisitTests.all + ServiceSearchTests.all + SyncScreenTests.all + PairingTests.all + HubSyncTests.all
}

fun main() {
    var passed = 0
    var failed = 0
    var skipped = 0
    val tests = try {
        DemoTests.all
    } catch (t: Throwable) {
        println("FAIL initialisation: ${t.cause ?: t}")
        (t.cause ?: t).printStackTrace()
        println("0 passed, 1 failed")
        exitProcess(1)
    }
    for (test in tests) {
        val started = System.nanoTime()
        try {
            test.body()
            passed++
            println("PASS demo: ${test.name} (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (s: Skipped) {
            skipped++
            println("SKIP demo: ${test.name}: ${s.reason}")
        } catch (t: Throwable) {
            failed++
            println("FAIL demo: ${test.name}: $t")
            t.printStackTrace(System.out)
        }
    }
    println("$passed passed, $failed failed" + if (skipped > 0) " ($skipped skipped)" else "")
    exitProcess(if (failed == 0) 0 else 1)
}
