//! The HTTP client's TLS: rustls with the `ring` crypto provider. reqwest is built without a
//! provider of its own (its default, aws-lc-rs, compiles a large C library on every cold build),
//! so every client must come from [`client_builder`], which installs `ring` first.

/// A client builder whose `https://` connections use rustls with the `ring` provider. Building
/// a client from plain `reqwest::Client::builder()` before any call to this panics.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// [`client_builder`] for a client that only ever sends requests to `urls` (the origins it is
/// configured with; links it follows stay on them). When none of them is `https`, no root
/// certificates are loaded: reading the system's store is ~10 ms of every run against a local
/// repository. Verification is never switched off: an `https` request from such a client fails
/// for want of a trusted root rather than going unverified.
pub fn client_builder_for<'a>(
    urls: impl IntoIterator<Item = &'a reqwest::Url>,
) -> reqwest::ClientBuilder {
    let builder = client_builder();
    if needs_roots(urls) {
        builder
    } else {
        builder.tls_certs_only(std::iter::empty())
    }
}

/// Whether a client sending to `urls` needs the trusted roots: unless every one is plain HTTP.
fn needs_roots<'a>(urls: impl IntoIterator<Item = &'a reqwest::Url>) -> bool {
    urls.into_iter().any(|url| url.scheme() != "http")
}

/// Makes `ring` the process's rustls provider. Idempotent; a provider already installed (by
/// this function on another thread, or by an embedding program) is kept.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread installing one is fine: a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncReadExt;

    use super::*;

    #[test]
    fn the_https_client_builds_with_the_ring_provider() {
        client_builder()
            .build()
            .expect("the TLS configuration builds");
        let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        assert!(
            !provider.cipher_suites.is_empty() && !provider.kx_groups.is_empty(),
            "the installed provider offers cipher suites and key exchanges"
        );
    }

    /// A client made for `http://` origins only, its roots left out, is still a TLS client:
    /// asked for an `https` URL anyway, it begins the handshake (it does not send plain text),
    /// and a server that hangs up is an error, not a panic.
    #[tokio::test]
    async fn a_client_for_plain_http_origins_is_still_a_tls_client() {
        let url: reqwest::Url = "http://127.0.0.1:1/".parse().expect("url");
        let client = client_builder_for([&url]).build().expect("client");
        // A server that reads the first record and hangs up.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut header = [0u8; 5];
            let _ = stream.read_exact(&mut header).await;
            header
        });
        let sent = client
            .get(format!("https://127.0.0.1:{port}/"))
            .send()
            .await;
        assert!(sent.is_err(), "the server hung up without answering");
        let header = server.await.expect("server");
        assert_eq!(header[0], 22, "it still began a TLS handshake: {header:?}");
    }

    #[test]
    fn only_clients_of_plain_http_origins_go_without_roots() {
        let url = |text: &str| text.parse::<reqwest::Url>().expect("url");
        let (plain, tls) = (
            url("http://127.0.0.1:8080/"),
            url("https://ims.example/token"),
        );
        assert!(!needs_roots([&plain]));
        assert!(
            needs_roots([&plain, &tls]),
            "a token URL over https needs them"
        );
        assert!(needs_roots([&tls]));
        assert!(needs_roots([&url("HTTPS://platform.example/")]));
    }

    /// The HTTPS path gets as far as the wire: the client sends a TLS ClientHello (a handshake
    /// record: content type 22, version 3.x), which needs the provider's key exchange, and
    /// reports the server hanging up as an error instead of panicking.
    #[tokio::test]
    async fn an_https_request_sends_a_tls_client_hello() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut header = [0u8; 5];
            stream
                .read_exact(&mut header)
                .await
                .expect("a record header");
            header // the connection closes here, unanswered
        };
        let client = client_builder().build().expect("client");
        let request = client.get(format!("https://127.0.0.1:{port}/")).send();
        let (header, sent) = tokio::time::timeout(Duration::from_secs(60), async {
            tokio::join!(server, request)
        })
        .await
        .expect("the client connected and the server read its first record");
        assert_eq!(header[0], 22, "a TLS handshake record: {header:?}");
        assert_eq!(header[1], 3, "TLS major version 3: {header:?}");
        assert!(sent.is_err(), "the server hung up without answering");
    }
}
