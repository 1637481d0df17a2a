#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    rung::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser entry point is `hydrate` in lib.rs.
}
