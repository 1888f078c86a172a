//! The firm's people: the list, and adding or deactivating a colleague or driver.

use crate::{
    components::page_title::PageTitle,
    components::{
        auth::Auth,
        field::{Choice, Field, FormError, SelectField, error_of},
        notice::{Loading, or_notice},
        reset_code::{ResetCode, issued_code},
        translate::role_text,
    },
    domain::role::Role,
    functions::{
        account::IssueResetCode,
        people::{AddPerson, SetPersonActive, list_people},
    },
    i18n::*,
    models::Person,
};
use leptos::prelude::*;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let i18n = use_i18n();
    let add = ServerAction::<AddPerson>::new();
    let set_active = ServerAction::<SetPersonActive>::new();
    let people = Resource::new(
        move || (add.version().get(), set_active.version().get()),
        |_| list_people(),
    );
    let issue = ServerAction::<IssueResetCode>::new();
    let issued = issued_code(issue);
    let add_error = error_of(add);
    let activation_error = error_of(set_active);
    let issue_error = error_of(issue);
    let roles = Role::FIRM_ROLES
        .map(|role| Choice {
            value: role.code().to_string(),
            label: Signal::derive(move || role_text(i18n, role)),
        })
        .to_vec();
    view! {
        <PageTitle text=move || t_string!(i18n, people.title).to_string() />
        <h1>{t!(i18n, people.title)}</h1>
        <FormError error=activation_error />
        <FormError error=issue_error />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(people.await, move |people| view! { <PeopleList people set_active issue issued /> })
            })}
        </Transition>
        <h2>{t!(i18n, people.add_title)}</h2>
        <ActionForm action=add attr:class="form" attr:novalidate=true attr:id="person-form">
            <FormError error=add_error />
            <SelectField name="role" label=move || t!(i18n, people.role) choices=roles error=add_error />
            <Field name="full_name" label=move || t!(i18n, people.full_name) autocomplete="off" error=add_error />
            <Field name="email" label=move || t!(i18n, people.email) input_type="email" autocomplete="off" error=add_error />
            <Field name="phone" label=move || t!(i18n, people.phone) input_type="tel" autocomplete="off" error=add_error />
            <Field name="id_number" label=move || t!(i18n, people.id_number) autocomplete="off" error=add_error />
            <Field
                name="password"
                label=move || t!(i18n, people.password)
                hint=move || t!(i18n, register.password_hint)
                input_type="password"
                autocomplete="new-password"
                error=add_error
            />
            <button type="submit" class="primary">{t!(i18n, people.submit)}</button>
        </ActionForm>
    }
}

#[component]
fn PeopleList(
    people: Vec<Person>,
    set_active: ServerAction<SetPersonActive>,
    issue: ServerAction<IssueResetCode>,
    issued: Signal<Option<crate::models::account::IssuedResetCode>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let me = Auth::get()
        .user
        .get_untracked()
        .and_then(|user| user.ok().flatten())
        .map(|user| user.user_id);
    view! {
        <ul class="cards" id="people-list">
            {people
                .into_iter()
                .map(|person| {
                    let role = person.role;
                    let active = person.active;
                    let is_me = me == Some(person.id);
                    let contact = [person.email.clone(), person.phone.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                    view! {
                        <li class="card" class:inactive=!active data-person=person.id.to_string()>
                            <strong>{person.full_name.clone()}</strong>
                            {is_me.then(|| view! { " " <span>{t!(i18n, people.you)}</span> })}
                            <p class="meta">{move || role_text(i18n, role)}</p>
                            <p class="meta">{contact}</p>
                            <p class="status">
                                {move || if active { t_string!(i18n, people.active).to_string() } else { t_string!(i18n, people.inactive).to_string() }}
                            </p>
                            {(!is_me && active).then(|| view! { <ResetCode issue issued person_id=person.id /> })}
                            {(!is_me).then(|| view! {
                                <ActionForm action=set_active attr:class="inline">
                                    <input type="hidden" name="person_id" value=person.id.to_string() />
                                    <input type="hidden" name="active" value=if active { "false" } else { "true" } />
                                    <button type="submit" class="link">
                                        {move || if active { t_string!(i18n, people.deactivate).to_string() } else { t_string!(i18n, people.reactivate).to_string() }}
                                    </button>
                                </ActionForm>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
