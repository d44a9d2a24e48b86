// automerge-repo side of linkwork's hub benchmark (docs/performance.md, "Hub (issue 18)"):
//   node bench.mjs [devices]
// Starts server.mjs in its own process, simulates devices (each its own Repo with NodeFS
// storage and the WebSocket client adapter, one plan document shaped like linkwork's: a
// person's goals and steps) and measures the same rows as `linkwork-bench hub`: memory per
// connected client (first, on a fresh server), first upload, idle reconnects (bytes,
// messages, latency), a morning's
// catch-up (100 devices x 20 offline edits at once) and fan-out. Bounded: at most 1,000
// devices, every wait has a deadline, loopback only.
import { spawn } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import readline from "node:readline"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const DEVICES = Math.min(1000, Number(process.argv[2] ?? 1000))
const CATCHUP = Math.min(100, DEVICES), EDITS = 20, THREADS = 8, DEADLINE = 120_000
const root = fs.mkdtempSync(path.join(os.tmpdir(), "perfhub-amrepo-"))

// LINKWORK_BENCH_SAMOD: the samod sync server's binary (bench/samod), run instead of
// server.mjs; the clients stay automerge-repo's (samod speaks its protocol).
const samod = process.env.LINKWORK_BENCH_SAMOD
const [command, args] = samod ? [samod, []] : [process.execPath, [new URL("server.mjs", import.meta.url).pathname]]
const server = spawn(command, [...args, path.join(root, "server")], { stdio: ["ignore", "pipe", "inherit"] })
const url = await new Promise((ok, fail) => {
  readline.createInterface({ input: server.stdout }).once("line", l => ok(l.replace("listening on ", "")))
  server.once("exit", () => fail(new Error("server exited")))
})
const proc = f => fs.readFileSync(`/proc/${server.pid}/${f}`, "utf8")
const rssKb = () => Number(proc("status").match(/VmRSS:\s+(\d+)/)[1])
const cpuS = () => { const f = proc("stat").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100 }
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p / 100 + 0.5))] }
const sleep = ms => new Promise(r => setTimeout(r, ms))
const withDeadline = (p, what) => Promise.race([p, sleep(DEADLINE).then(() => { throw new Error(`timed out: ${what}`) })])
async function par(n, k, f) { let i = 0; const out = []; await Promise.all(Array.from({ length: Math.min(k, n) }, async () => { while (i < n) { const j = i++; out[j] = await f(j) } })); return out }

// One connection of a device: a Repo on its own storage, bytes and messages counted.
function connect(d) {
  const adapter = new WebSocketClientAdapter(url, 1_000_000)
  const repo = new Repo({ network: [adapter], storage: new NodeFSStorageAdapter(path.join(root, `d${d}`)), peerId: `device-${d}-${Math.random()}`, sharePolicy: async () => true })
  const wire = { out: 0, in: 0, framesOut: 0, framesIn: 0 }
  const hook = () => {
    const s = adapter.socket
    if (!s || s.__counted) return
    s.__counted = true
    s.on("message", m => { wire.in += m.byteLength ?? m.length ?? 0; wire.framesIn++ })
    const send = s.send.bind(s)
    s.send = (m, ...a) => { wire.out += m.byteLength ?? m.length ?? 0; wire.framesOut++; return send(m, ...a) }
  }
  hook(); adapter.on?.("ready", hook)
  const iv = setInterval(hook, 1); setTimeout(() => clearInterval(iv), 2000)
  return { repo, wire, close: async () => { clearInterval(iv); await repo.shutdown() } }
}
const same = (a, b) => a && b && JSON.stringify([...a].sort()) === JSON.stringify([...b].sort())
// Waits until the server (the only peer) reports holding the handle's heads.
function converged(handle) {
  return withDeadline(new Promise(ok => {
    const check = ({ heads }) => { if (same(heads, handle.heads())) { handle.off("remote-heads", check); ok() } }
    handle.on("remote-heads", check)
  }), "convergence")
}
const plan = d => ({ person: `person-${d}`, goals: [{ id: `g${d}`, text: "Join the walking group on Tuesdays", steps: [{ id: `s${d}`, text: "Phone the group", owner: "person" }] }] })

const amVersion = JSON.parse(fs.readFileSync(new URL("node_modules/@automerge/automerge-repo/package.json", import.meta.url))).version
console.log(`${samod ? "samod 0.16.0 sync server (automerge-repo" : "automerge-repo"} ${amVersion}${samod ? " clients)" : " sync server"}, node ${process.version}, ${DEVICES} devices, load average ${os.loadavg().map(x => x.toFixed(2)).join(" ")}`)
console.log(`  server process idle: RSS ${(rssKb() / 1024).toFixed(1)} MB`)
// Memory per connected client, first, on a fresh server (as linkwork's is measured): every
// client connected and joined (the server's peer answer received), held open at once.
await sleep(500); const before = rssKb()
const held = await par(DEVICES, THREADS, async d => { const c = connect(d); await withDeadline((async () => { while (c.wire.framesIn < 1) await sleep(1) })(), "join"); return c })
await sleep(500); const after = rssKb()
console.log(`  connected: ${DEVICES} idle clients, server RSS ${(before / 1024).toFixed(1)} MB -> ${(after / 1024).toFixed(1)} MB: ${((after - before) / DEVICES).toFixed(1)} KB per client`)
await Promise.all(held.map(c => c.close()))

const ids = []
let c0 = cpuS(), t0 = performance.now()
await par(DEVICES, THREADS, async d => {
  const c = connect(d)
  const h = c.repo.create(plan(d)); ids[d] = h.url
  await converged(h); await c.close()
})
console.log(`  first upload of every document: ${((performance.now() - t0) / 1000).toFixed(1)} s, server CPU ${(cpuS() - c0).toFixed(1)} s`)

// Idle reconnect: open the document again, until the server's sync answer arrives.
c0 = cpuS(); t0 = performance.now()
const rec = await par(DEVICES, THREADS, async d => {
  const t = performance.now(); const c = connect(d)
  const h = await withDeadline(c.repo.find(ids[d]), "find")
  await withDeadline((async () => { while (c.wire.framesIn < 2) await sleep(0.2) })(), "answer")
  const ms = performance.now() - t
  await sleep(50); await c.close()
  return { ms, ...c.wire }
})
const wall = (performance.now() - t0) / 1000
const avg = k => rec.reduce((s, r) => s + r[k], 0) / rec.length
console.log(`  idle reconnects (${DEVICES} devices, ${THREADS} at a time): ${(DEVICES / wall).toFixed(0)} /s, p50 ${pct(rec.map(r => r.ms), 50).toFixed(1)} ms, p99 ${pct(rec.map(r => r.ms), 99).toFixed(1)} ms; server CPU ${((cpuS() - c0) * 1000 / DEVICES).toFixed(2)} ms per reconnect`)
console.log(`  wire: ${avg("out").toFixed(0)} B out + ${avg("in").toFixed(0)} B in per reconnect (WebSocket payloads, no TLS), ${avg("framesOut").toFixed(1)} + ${avg("framesIn").toFixed(1)} WebSocket messages`)

// A morning's catch-up: offline edits, then all connect at once.
const edited = []
for (let d = 0; d < CATCHUP; d++) {
  // Offline: a repo with no network, on the device's storage.
  const repo = new Repo({ network: [], storage: new NodeFSStorageAdapter(path.join(root, `d${d}`)), peerId: `offline-${d}` })
  const h = await repo.find(ids[d])
  for (let k = 0; k < EDITS; k++) h.change(doc => { doc.goals.push({ id: `g${d}.${k}`, text: `Join the walking group on Tuesdays (${k})`, steps: [] }) })
  edited[d] = h.heads(); await repo.shutdown()
}
c0 = cpuS(); t0 = performance.now()
const done = await par(CATCHUP, CATCHUP, async d => {
  const c = connect(d); const h = await withDeadline(c.repo.find(ids[d]), "find")
  if (!same(h.heads(), edited[d])) throw new Error("offline edits not loaded")
  await converged(h); const s = (performance.now() - t0) / 1000; await c.close(); return s
})
const cpu = cpuS() - c0
console.log(`  catch-up (${CATCHUP} devices x ${EDITS} offline edits at once): all converged in ${Math.max(...done).toFixed(2)} s (half of them by ${pct(done, 50).toFixed(2)} s); server CPU ${cpu.toFixed(1)} s, ${(cpu * 1000 / (CATCHUP * EDITS)).toFixed(2)} ms per edit`)

// Fan-out: a second client holds the document open; an edit on the first reaches it live.
const a = connect(0), b = connect(DEVICES + 1)
const ha = await a.repo.find(ids[0]), hb = await b.repo.find(ids[0])
await withDeadline((async () => { while (!same(hb.heads(), ha.heads())) await sleep(1) })(), "fan-out set-up")
const fan = []
for (let k = 0; k < 30; k++) {
  const t = performance.now()
  ha.change(doc => { doc.goals.push({ id: `f${k}`, text: `Phone the befriending service (${k})`, steps: [] }) })
  const want = ha.heads()
  await withDeadline(new Promise(ok => { const f = () => { if (same(hb.heads(), want)) { hb.off("change", f); ok() } }; hb.on("change", f); f() }), "fan-out")
  fan.push(performance.now() - t)
}
console.log(`  fan-out (edit on one client visible on another, live, 30 samples): median ${pct(fan, 50).toFixed(1)} ms, p99 ${pct(fan, 99).toFixed(1)} ms`)
await a.close(); await b.close()
server.kill("SIGKILL")
fs.rmSync(root, { recursive: true, force: true })
process.exit(0)
