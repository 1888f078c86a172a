//! Following a trip or a gate live: the server pushes a message on each new event
//! (server-sent events, `/live/...`); the page then fetches what changed. Without
//! JavaScript, pages that change at the gate refresh themselves instead.

use leptos::prelude::*;

/// Counts the messages heard on `url` (a stream of server-sent events); use it as part of
/// a resource's key to refetch on each. Browser only: on the server it stays at zero.
pub fn follow_live(url: Signal<String>) -> ReadSignal<u32> {
    let (heard, set_heard) = signal(0u32);
    Effect::new(
        move |previous: Option<Option<leptos::web_sys::EventSource>>| {
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
            let closing = source.clone();
            on_cleanup(move || closing.close());
            Some(source)
        },
    );
    heard
}

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
