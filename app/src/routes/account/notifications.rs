//! Notifications on the account page: turning web push on for this device (done by
//! `public/push.js`, since only a browser's script can subscribe), the devices that have
//! it, what each is told, and turning a device off. Firm staff and drivers only: their
//! trips are what is announced.

use crate::{
    components::notice::or_notice,
    domain::{clock::WallClock, push::Topic},
    functions::push::{RemovePushDevice, SetPushTopics, get_push_devices},
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn topic_text(i18n: crate::components::translate::I18n, topic: Topic) -> String {
    match topic {
        Topic::Booking => t_string!(i18n, push.topic_booking),
        Topic::Reminder => t_string!(i18n, push.topic_reminder),
        Topic::CalledForward => t_string!(i18n, push.topic_called_forward),
        Topic::Inspection => t_string!(i18n, push.topic_inspection),
        Topic::Cleared => t_string!(i18n, push.topic_cleared),
        Topic::Exited => t_string!(i18n, push.topic_exited),
        Topic::Late => t_string!(i18n, push.topic_late),
    }
    .to_string()
}

#[component]
pub fn Notifications() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SetPushTopics>::new();
    let remove = ServerAction::<RemovePushDevice>::new();
    let devices = Resource::new(
        move || (save.version().get(), remove.version().get()),
        |_| get_push_devices(),
    );
    // Saving posts, then comes back to `/account?push=saved` (with or without script).
    let query = use_query_map();
    let saved = move || query.with(|query| query.get("push").as_deref() == Some("saved"));
    view! {
        <section class="card" id="notifications">
            <h2>{t!(i18n, push.heading)}</h2>
            <p>{t!(i18n, push.lead)}</p>
            <div
                id="push-enable"
                data-denied=move || t_string!(i18n, push.denied).to_string()
                data-failed=move || t_string!(i18n, push.needs_script).to_string()
            >
                <button type="button" class="primary" id="push-enable-button" hidden=true>{t!(i18n, push.enable)}</button>
                <p class="hint" id="push-needs-script">{t!(i18n, push.needs_script)}</p>
                <p class="notice error" id="push-status" role="alert" hidden=true></p>
            </div>
            <script src="/push.js" defer=true></script>
            {move || saved().then(|| view! { <p class="notice success" role="status" id="push-saved">{t!(i18n, push.saved)}</p> })}
            <Transition>
                {move || Suspend::new(async move {
                    or_notice(devices.await, move |devices| {
                        if devices.is_empty() {
                            return view! { <p class="empty" id="push-none">{t!(i18n, push.none)}</p> }.into_any();
                        }
                        view! {
                            <ul class="cards" id="push-devices">
                                {devices
                                    .into_iter()
                                    .map(|device| {
                                        let since = WallClock::at(device.created_at, 420).day_and_time();
                                        let name = device.device.clone();
                                        let id = device.id.to_string();
                                        let (id_for_save, id_for_remove) = (id.clone(), id.clone());
                                        view! {
                                            <li class="card" data-device=id>
                                                <strong>
                                                    {if name.is_empty() { t_string!(i18n, push.device_unnamed).to_string() } else { name }}
                                                </strong>
                                                <p class="meta">{t!(i18n, push.since, day = move || since.clone())}</p>
                                                <ActionForm action=save attr:class="form topics">
                                                    <input type="hidden" name="device_id" value=id_for_save />
                                                    {Topic::ALL
                                                        .map(|topic| {
                                                            let checked = device.topics.contains(&topic);
                                                            view! {
                                                                <label class="field checkbox">
                                                                    <input type="checkbox" name=topic.code() checked=checked />
                                                                    <span>{move || topic_text(i18n, topic)}</span>
                                                                </label>
                                                            }
                                                        })
                                                        .collect_view()}
                                                    <button type="submit">{t!(i18n, push.save)}</button>
                                                </ActionForm>
                                                <ActionForm action=remove attr:class="inline">
                                                    <input type="hidden" name="device_id" value=id_for_remove />
                                                    <button type="submit" class="link">{t!(i18n, push.remove)}</button>
                                                </ActionForm>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    })
                })}
            </Transition>
        </section>
    }
}
