//! Staff, for gate and platform admins: the officers (and, for platform admins, the gate
//! admins) whose forgotten password they may reset with a one-time code.

use crate::{
    components::{
        field::{FormError, error_of},
        notice::{Loading, or_notice},
        page_title::PageTitle,
        reset_code::{ResetCode, issued_code},
        translate::role_text,
    },
    functions::account::{IssueResetCode, list_staff},
    i18n::*,
};
use leptos::prelude::*;

#[component]
pub fn StaffPage() -> impl IntoView {
    let i18n = use_i18n();
    let issue = ServerAction::<IssueResetCode>::new();
    let issued = issued_code(issue);
    let error = error_of(issue);
    let staff = Resource::new(|| (), |_| list_staff());
    view! {
        <PageTitle text=move || t_string!(i18n, staff.title).to_string() />
        <h1>{t!(i18n, staff.title)}</h1>
        <p>{t!(i18n, staff.lead)}</p>
        <FormError error />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                or_notice(staff.await, move |staff| {
                    if staff.is_empty() {
                        return view! { <p class="empty">{t!(i18n, staff.none)}</p> }.into_any();
                    }
                    view! {
                        <ul class="cards" id="staff-list">
                            {staff
                                .into_iter()
                                .map(|member| {
                                    let role = member.role;
                                    view! {
                                        <li class="card" data-person=member.id.to_string()>
                                            <strong>{member.full_name}</strong>
                                            <p class="meta">{move || role_text(i18n, role)}</p>
                                            <p class="meta">{member.email}</p>
                                            <ResetCode issue issued person_id=member.id />
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
