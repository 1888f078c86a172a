//! Generates the `i18n` module from `locales/{vi,en,zh}.json`. Vietnamese is the default:
//! the portal is built first for drivers and clerks at the Lang Son gates.

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::{error::Error, path::PathBuf};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    let module_directory =
        PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?).join("i18n");
    let options = ParseOptions::default().interpolate_display(true);
    let config = Config::new("vi")?
        .add_locale("en")?
        .add_locale("zh")?
        .parse_options(options);
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(module_directory)?;
    Ok(())
}
