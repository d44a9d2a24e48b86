// The automerge-repo sync server of linkwork's hub benchmark: a Repo with NodeFS storage and
// the WebSocket server adapter on a loopback port (printed on stdout), as the automerge-repo
// sync server is built. Run by bench.mjs in a process of its own (its memory and CPU alone).
import fs from "node:fs"
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const dir = process.argv[2]
fs.mkdirSync(dir, { recursive: true })
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
wss.on("listening", () => console.log(`listening on ws://127.0.0.1:${wss.address().port}`))
new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: "sync-server",
  // A sync server shares every document it is asked for (no access control).
  sharePolicy: async () => false,
})
