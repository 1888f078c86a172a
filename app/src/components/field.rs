//! Form fields that show their own translated problems, and keep what was typed when a
//! form posted without JavaScript comes back refused.

use super::translate::problem_text;
use crate::{error::AppError, i18n::*};
use leptos::{prelude::*, server_fn::ServerFn};

/// The error of an action's last run, for its form's fields.
pub fn error_of<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    // A plain form post refused on the server comes back with its problems in the URL
    // and what was typed kept on the server (see `server::flash`).
    #[cfg(feature = "ssr")]
    let typed = crate::server::flash::typed_for(S::PATH);
    Signal::derive(move || {
        let error = action.value().with(|value| {
            value
                .as_ref()
                .and_then(|result| result.as_ref().err().cloned())
        });
        #[cfg(feature = "ssr")]
        let error = error.map(|error| match &typed {
            Some(typed) => error.with_typed(typed.clone()),
            None => error,
        });
        error
    })
}

/// What the field starts with: what was typed before a refusal, else `value`.
fn initial_value(error: Signal<Option<AppError>>, name: &str, value: Option<String>) -> String {
    error
        .with_untracked(|error| {
            error
                .as_ref()
                .and_then(|error| error.typed(name))
                .map(str::to_string)
        })
        .or(value)
        .unwrap_or_default()
}

/// The translated problems of one field, joined; empty when it has none.
fn problems_of(error: Signal<Option<AppError>>, name: &'static str) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || {
        error.with(|error| {
            error
                .as_ref()
                .map(|error| {
                    error
                        .problems_of(name)
                        .map(|problem| problem_text(i18n, problem))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        })
    })
}

#[component]
pub fn Field(
    /// The form field name (the server function's argument).
    name: &'static str,
    #[prop(into)] label: ViewFn,
    #[prop(optional, into)] hint: Option<ViewFn>,
    /// The input's `type`.
    #[prop(default = "text")]
    input_type: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// The earliest value, for dates.
    #[prop(optional, into)]
    min: Option<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    // Passwords are never echoed back.
    let initial = if input_type == "password" {
        String::new()
    } else {
        initial_value(error, name, value)
    };
    let problems = problems_of(error, name);
    let invalid = move || !problems.with(String::is_empty);
    let described_by = if hint.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label.run()}</label>
            <input
                id=id
                name=name
                type=input_type
                value=initial
                autocomplete=autocomplete
                inputmode=inputmode
                min=min
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint.run()}</p> })}
            <p class="field-error" id=error_id data-field=name>{problems}</p>
        </div>
    }
}

/// One `<option>`: its value and its translated label.
#[derive(Clone)]
pub struct Choice {
    pub value: String,
    pub label: Signal<String>,
}

impl Choice {
    /// A choice whose label needs no translation (a plate, a person's name).
    pub fn plain(value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice {
            value: value.into(),
            label: Signal::stored(label.into()),
        }
    }
}

#[component]
pub fn SelectField(
    name: &'static str,
    #[prop(into)] label: ViewFn,
    choices: Vec<Choice>,
    #[prop(optional, into)] value: Option<String>,
    /// A first, empty option ("— choose —") for forms that may be saved incomplete.
    #[prop(optional, into)]
    placeholder: Option<Signal<String>>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let selected = initial_value(error, name, value);
    let problems = problems_of(error, name);
    let invalid = move || !problems.with(String::is_empty);
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label.run()}</label>
            <select id=id name=name aria-invalid=move || invalid().then_some("true") aria-describedby=error_id.clone()>
                {placeholder.map(|placeholder| view! { <option value="">{placeholder}</option> })}
                {choices
                    .into_iter()
                    .map(|choice| {
                        let is_selected = choice.value == selected;
                        view! {
                            <option value=choice.value selected=is_selected>
                                {choice.label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" id=error_id data-field=name>{problems}</p>
        </div>
    }
}

/// A multi-line text field (container numbers, one per line).
#[component]
pub fn TextareaField(
    name: &'static str,
    #[prop(into)] label: ViewFn,
    #[prop(optional, into)] value: Option<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let initial = initial_value(error, name, value);
    let problems = problems_of(error, name);
    let invalid = move || !problems.with(String::is_empty);
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label.run()}</label>
            <textarea id=id name=name rows="3" aria-invalid=move || invalid().then_some("true") aria-describedby=error_id.clone()>
                {initial}
            </textarea>
            <p class="field-error" id=error_id data-field=name>{problems}</p>
        </div>
    }
}

/// A check box; sent as `on` when ticked, absent when not.
#[component]
pub fn CheckboxField(
    name: &'static str,
    #[prop(into)] label: ViewFn,
    #[prop(optional)] checked: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let ticked = error.with_untracked(|error| match error {
        Some(error @ AppError::Invalid { .. }) => error.typed(name).is_some(),
        _ => checked,
    });
    view! {
        <div class="field checkbox">
            <input id=id.clone() type="checkbox" name=name checked=ticked />
            <label for=id>{label.run()}</label>
        </div>
    }
}

/// The form-wide message of an action's error. Field problems show beside their fields;
/// a form with no such field names it in `field` to show its problems here instead.
#[component]
pub fn FormError(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] field: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|error| {
            let text = match (field, &error) {
                (Some(field), AppError::Invalid { .. }) => error
                    .problems_of(field)
                    .map(|problem| problem_text(i18n, problem))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => super::translate::error_text(i18n, &error),
            };
            view! { <p class="notice error" role="alert">{text}</p> }
        })
    }
}
