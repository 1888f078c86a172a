//! Following a trip or a gate live: the server pushes a message on each new event
//! (server-sent events, `/live/...`); the page then fetches what changed. Without
//! JavaScript, pages that change at the gate refresh themselves instead.

use leptos::prelude::*;

/// Counts the messages heard on `url` (a stream of server-sent events); use it as part of
/// a resource's key to refetch on each. Browser only: on the server it stays at zero.
///
/// A browser opens a dropped stream again by itself, but gives it up for good when the
/// server answers with an error (503 while the database is out of reach, or a server
/// that restarted during an outage): then it is opened again [`REOPEN_AFTER`] later,
/// and that counts as a message, since what happened meanwhile was not heard.
pub fn follow_live(url: Signal<String>) -> ReadSignal<u32> {
    let (heard, set_heard) = signal(0u32);
    let (reopened, set_reopened) = signal(0u32);
    Effect::new(
        move |previous: Option<Option<leptos::web_sys::EventSource>>| {
            reopened.track();
            if let Some(Some(source)) = previous {
                source.close();
            }
            let source = leptos::web_sys::EventSource::new(&url.get()).ok()?;
            let on_message = leptos::wasm_bindgen::closure::Closure::<
                dyn Fn(leptos::web_sys::MessageEvent),
            >::new(move |_| {
                set_heard.update(|count| *count += 1);
            });
            use leptos::wasm_bindgen::JsCast;
            let _ = source
                .add_event_listener_with_callback("trip", on_message.as_ref().unchecked_ref());
            // The listener lives as long as the page: the source is closed on the next run.
            on_message.forget();
            let watched = source.clone();
            let on_error = leptos::wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
                if watched.ready_state() == leptos::web_sys::EventSource::CLOSED {
                    set_timeout(
                        move || {
                            set_heard.try_update(|count| *count += 1);
                            set_reopened.try_update(|count| *count += 1);
                        },
                        REOPEN_AFTER,
                    );
                }
            });
            let _ =
                source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
            on_error.forget();
            let closing = source.clone();
            on_cleanup(move || closing.close());
            Some(source)
        },
    );
    heard
}

/// How long a page waits before opening a stream the browser gave up again (about the
/// `Retry-After` of an outage).
const REOPEN_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// Refreshes the page every `seconds` when JavaScript is off (with it, live updates do
/// better).
#[component]
pub fn RefreshWithoutScript(seconds: u32) -> impl IntoView {
    view! {
        <noscript>
            <meta http-equiv="refresh" content=seconds.to_string() />
        </noscript>
    }
}
