use crate::{components::auth::Auth, components::page_title::PageTitle, i18n::*};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    view! {
        <PageTitle text=move || t_string!(i18n, app.name).to_string() />
        <section class="hero">
            <h1>{t!(i18n, home.title)}</h1>
            <p class="lead">{t!(i18n, home.lead)}</p>
            <Transition>
                {move || Suspend::new(async move {
                    match auth.user.await.ok().flatten() {
                        Some(user) => {
                            let name = user.full_name.clone();
                            let manages_fleet = user.role.manages_fleet();
                            let manages_people = user.role.manages_people();
                            view! {
                                <p class="welcome">{t!(i18n, home.welcome, name = move || name.clone())}</p>
                                <div class="actions">
                                    {manages_fleet.then(|| view! { <A href="/fleet" attr:class="button primary">{t!(i18n, home.go_fleet)}</A> })}
                                    {manages_people.then(|| view! { <A href="/people" attr:class="button">{t!(i18n, home.go_people)}</A> })}
                                    <A href="/account" attr:class="button">{t!(i18n, home.go_account)}</A>
                                </div>
                            }
                            .into_any()
                        }
                        None => view! {
                            <div class="actions">
                                <A href="/register" attr:class="button primary">{t!(i18n, home.register)}</A>
                                <A href="/login" attr:class="button">{t!(i18n, home.sign_in)}</A>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
