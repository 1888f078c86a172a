//! A gate's devices (ANPR cameras, pass scanners): the admin issues each a key for the
//! machine API, sees it once, and revokes it when the device is lost or replaced.

use crate::{
    components::{
        field::{Field, FormError, error_of},
        notice::or_notice,
    },
    functions::gates::{IssueDevice, RevokeDevice, list_devices, take_new_device_key},
    i18n::*,
};
use leptos::prelude::*;

#[component]
pub fn Devices(gate_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let issue = ServerAction::<IssueDevice>::new();
    let revoke = ServerAction::<RevokeDevice>::new();
    let error = error_of(issue);
    let gate = gate_id.clone();
    let devices = Resource::new(
        move || (gate.clone(), issue.version().get(), revoke.version().get()),
        |(gate, _, _)| list_devices(gate),
    );
    // After a plain form post the key waits in a short-lived cookie; once hydrated, the
    // action's answer carries it.
    let waiting_key = Resource::new(|| (), |_| take_new_device_key());
    let new_key = move || match issue.value().get() {
        Some(Ok(key)) => Some(key),
        _ => waiting_key.get().and_then(Result::ok).flatten(),
    };
    let (gate_for_issue, gate_for_revoke) = (gate_id.clone(), gate_id);
    view! {
        <section id="devices">
            <h2>{t!(i18n, devices.title)}</h2>
            <Transition>
                {move || new_key().map(|key| view! {
                    <p class="notice success" id="new-device-key">{t!(i18n, devices.new_key)} " " <code>{key}</code></p>
                })}
                {move || {
                    let gate_id = gate_for_revoke.clone();
                    Suspend::new(async move {
                        or_notice(devices.await, move |devices| {
                            if devices.is_empty() {
                                return view! { <p class="empty">{t!(i18n, devices.none)}</p> }.into_any();
                            }
                            view! {
                                <ul class="cards" id="device-list">
                                    {devices
                                        .into_iter()
                                        .map(|device| {
                                            let gate_id = gate_id.clone();
                                            let location = device.location.clone();
                                            view! {
                                                <li class="card" data-device=device.id.to_string()>
                                                    <strong>{device.name}</strong>
                                                    <p class="meta">
                                                        {move || if location == "exit" { t_string!(i18n, devices.exit) } else { t_string!(i18n, devices.yard) }}
                                                        " · …" {device.key_hint}
                                                    </p>
                                                    {if device.revoked {
                                                        view! { <p class="badge">{t!(i18n, devices.revoked)}</p> }.into_any()
                                                    } else {
                                                        view! {
                                                            <ActionForm action=revoke attr:class="inline">
                                                                <input type="hidden" name="gate_id" value=gate_id />
                                                                <input type="hidden" name="device_id" value=device.id.to_string() />
                                                                <button type="submit" class="link">{t!(i18n, devices.revoke)}</button>
                                                            </ActionForm>
                                                        }
                                                        .into_any()
                                                    }}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                            .into_any()
                        })
                    })
                }}
            </Transition>
            <ActionForm action=issue attr:class="form" attr:novalidate=true attr:id="device-form">
                <input type="hidden" name="gate_id" value=gate_for_issue />
                <FormError error />
                <Field name="name" label=move || t!(i18n, devices.name) error />
                <div class="field">
                    <label for="field-location">{t!(i18n, devices.location)}</label>
                    <select id="field-location" name="location">
                        <option value="yard">{t!(i18n, devices.yard)}</option>
                        <option value="exit">{t!(i18n, devices.exit)}</option>
                    </select>
                </div>
                <button type="submit">{t!(i18n, devices.issue)}</button>
            </ActionForm>
        </section>
    }
}
