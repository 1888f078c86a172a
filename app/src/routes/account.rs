use crate::{
    components::page_title::PageTitle,
    components::{auth::Auth, notice::or_notice, translate::role_text},
    error::AppError,
    i18n::*,
};
use leptos::prelude::*;

pub mod notifications;
pub mod password;
pub mod second_factor;
pub mod sessions;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = Auth::get();
    view! {
        <PageTitle text=move || t_string!(i18n, account.title).to_string() />
        <h1>{t!(i18n, account.title)}</h1>
        <Transition>
            {move || Suspend::new(async move {
                let user = auth.user.await.and_then(|user| user.ok_or(AppError::NotSignedIn));
                or_notice(user, move |user| {
                        let role = user.role;
                        let announced = role.declares_trips();
                        view! {
                            <dl class="facts">
                                <dt>{t!(i18n, account.name)}</dt>
                                <dd>{user.full_name.clone()}</dd>
                                <dt>{t!(i18n, account.role)}</dt>
                                <dd>{move || role_text(i18n, role)}</dd>
                                {user.firm_name.clone().map(|firm| view! {
                                    <dt>{t!(i18n, account.firm)}</dt>
                                    <dd>{firm}</dd>
                                })}
                            </dl>
                            <password::ChangePasswordForm />
                            <sessions::Sessions />
                            <second_factor::SecondFactorStatus />
                            {announced.then(|| view! { <notifications::Notifications /> })}
                        }
                })
            })}
        </Transition>
    }
}
