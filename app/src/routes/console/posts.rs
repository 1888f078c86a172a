use crate::{
    components::{
        notice::{Loading, or_notice},
        page_title::PageTitle,
        translate::direction_text,
    },
    domain::trip::Direction,
    functions::clearance::my_posts,
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn PostsPage() -> impl IntoView {
    let i18n = use_i18n();
    let posts = Resource::new(|| (), |_| my_posts());
    view! {
        <PageTitle text=move || t_string!(i18n, console.title).to_string() />
        <h1>{t!(i18n, console.choose_gate)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(posts.await, move |posts| {
                    if posts.is_empty() {
                        return view! { <p class="empty">{t!(i18n, console.no_posts)}</p> }.into_any();
                    }
                    view! {
                        <ul class="cards" id="posts">
                            {posts
                                .into_iter()
                                .map(|gate| {
                                    let name = gate.name.clone();
                                    let id = gate.id.clone();
                                    view! {
                                        <li class="card">
                                            <strong class="plate">{move || name.get(i18n.get_locale()).to_string()}</strong>
                                            <div class="actions">
                                                {Direction::ALL
                                                    .map(|direction| view! {
                                                        <A href=format!("/console/{id}?direction={}", direction.code()) attr:class="button">
                                                            {move || direction_text(i18n, direction)}
                                                        </A>
                                                    })
                                                    .collect_view()}
                                                <A href=format!("/console/{}/dashboard", gate.id)>{t!(i18n, console.dashboard)}</A>
                                            </div>
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
