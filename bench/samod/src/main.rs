//! A samod sync server, as a samod user would build one: a `Repo` on filesystem storage (the
//! automerge-repo NodeFS layout) accepting WebSocket connections on a loopback port, which it
//! prints (`listening on ws://ADDR`). It announces nothing and answers every request (the
//! automerge-repo sync server's `sharePolicy: false`); no TLS, no authentication, no access
//! control, as that server. Usage: `linkwork-bench-samod DIR`.

use futures::{SinkExt, StreamExt, TryStreamExt};
use samod::storage::TokioFilesystemStorage;
use samod::{PeerId, Repo, ShareConfig, Transport};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// A WebSocket error as the transport's error type.
#[derive(Debug)]
struct NetError(String);

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NetError {}

fn net(e: WsError) -> NetError {
    NetError(e.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: linkwork-bench-samod DIR")?;
    std::fs::create_dir_all(&dir)?;
    let repo = Repo::build_tokio()
        .with_peer_id(PeerId::from("sync-server"))
        .with_storage(TokioFilesystemStorage::new(&dir))
        .with_share_policy(ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let acceptor = repo.make_acceptor(format!("ws://{addr}/").parse()?)?;
    println!("listening on ws://{addr}");
    loop {
        let (tcp, _) = listener.accept().await?;
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                return;
            };
            let (sink, stream) = ws.split();
            // Binary messages only, as samod's own WebSocket adapters.
            let stream = stream
                .map_err(net)
                .try_filter_map(|m| async move {
                    Ok(match m {
                        Message::Binary(b) => Some(b.to_vec()),
                        _ => None,
                    })
                })
                .boxed();
            let sink = sink
                .sink_map_err(net)
                .with(|b: Vec<u8>| async move { Ok::<_, NetError>(Message::Binary(b.into())) });
            let _ = acceptor.accept(Transport::new(stream, Box::pin(sink)));
        });
    }
}
