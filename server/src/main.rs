//! Serves the portal: migrates the database, optionally loads demo data, listens.

use app::server::AppState;
use server::{config::Config, database, demo, jobs, migrate, router};
use std::{net::SocketAddr, process::ExitCode, str::FromStr};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    let connect_options = sqlx::postgres::PgConnectOptions::from_str(&config.database_url)
        .map_err(|error| format!("DATABASE_URL: {error}"))?;
    let pool = database::connect(
        database::pool_options(config.pool_size, config.pool_acquire_timeout),
        connect_options,
    )
    .await
    .map_err(|error| format!("cannot connect to the database: {error}"))?;
    migrate(&pool)
        .await
        .map_err(|error| format!("migrations failed: {error}"))?;
    let address = config.leptos_options.site_addr;
    let state = AppState::new(pool, config.leptos_options, config.settings)
        .await
        .map_err(|error| format!("cannot load server secrets: {error}"))?;
    jobs::prepare(&state).await?;
    if config.demo_data {
        demo::load(&state)
            .await
            .map_err(|error| format!("demo data: {error}"))?;
    }
    state.live.listen(state.pool.clone());
    let _jobs = jobs::spawn(state.clone());
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    tracing::info!("serving the portal on http://{address}");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|error| format!("server failed: {error}"))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
