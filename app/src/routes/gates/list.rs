use crate::{
    components::{
        notice::{Loading, or_notice},
        page_title::PageTitle,
    },
    functions::gates::my_gates,
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn GatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let gates = Resource::new(|| (), |_| my_gates());
    view! {
        <PageTitle text=move || t_string!(i18n, gates.title).to_string() />
        <h1>{t!(i18n, gates.title)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(gates.await, move |gates| {
                    if gates.is_empty() {
                        return view! { <p class="empty">{t!(i18n, gates.none)}</p> }.into_any();
                    }
                    view! {
                        <ul class="cards" id="gate-list">
                            {gates
                                .into_iter()
                                .map(|gate| {
                                    let name = gate.name.clone();
                                    view! {
                                        <li class="card">
                                            <A href=format!("/gates/{}", gate.id) attr:class="plate">
                                                {move || name.get(i18n.get_locale()).to_string()}
                                            </A>
                                            <p class="meta">{gate.border_markers.clone()}</p>
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
    }
}
