//! The web console's files, embedded in the binary (nothing is fetched from elsewhere at run
//! time): `console/*.js` are plain ES modules type-checked by `make lint`, served as they are
//! under `/console/`. The page asks the API for everything it shows, with the API key the user
//! gives it; the files themselves hold no data and are served without the key.
//!
//! The page itself (`/console/`) is asked for on every load; it names its stylesheet and first
//! module under `/console/v/<build>/`, where `<build>` is a hash of every file, and the modules
//! import each other relatively, so all of them come from that path and a browser keeps them
//! for good (`immutable`): a warm load is the page alone, and a new build is new paths. A
//! `<build>` other than the binary's is not found (a page from before a deploy: reloading it
//! gives the new one), so files of two builds are never mixed under one path.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// One file of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleAsset {
    /// Its name under `/console/` (`index.html` for `/console/` itself).
    pub name: &'static str,
    /// Its `content-type`.
    pub content_type: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// Where the console is served.
pub const CONSOLE_PATH: &str = "/console";

macro_rules! assets {
    ($($name:literal => $type:literal),* $(,)?) => {
        /// Every file of the console.
        pub const CONSOLE_ASSETS: &[ConsoleAsset] = &[
            $(ConsoleAsset {
                name: $name,
                content_type: $type,
                text: include_str!(concat!("../console/", $name)),
            }),*
        ];
    };
}

assets! {
    "index.html" => "text/html; charset=utf-8",
    "console.css" => "text/css; charset=utf-8",
    "console.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "render.js" => "text/javascript; charset=utf-8",
    "paging.js" => "text/javascript; charset=utf-8",
    "events-table.js" => "text/javascript; charset=utf-8",
    "live-tail.js" => "text/javascript; charset=utf-8",
    "streams-view.js" => "text/javascript; charset=utf-8",
    "stream-view.js" => "text/javascript; charset=utf-8",
    "snapshots-list.js" => "text/javascript; charset=utf-8",
    "read-models-view.js" => "text/javascript; charset=utf-8",
    "transactions-view.js" => "text/javascript; charset=utf-8",
    "replays-view.js" => "text/javascript; charset=utf-8",
}

/// The page's references to its stylesheet and first module, as written in `index.html`.
const PAGE_REFERENCES: [&str; 2] = ["href=\"console.css\"", "src=\"console.js\""];

/// A console file as served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServedAsset {
    /// The file.
    pub asset: &'static ConsoleAsset,
    /// Its text as served: the page names this build's paths.
    pub text: &'static str,
    /// Whether the browser may keep it for good (a file under this build's path).
    pub immutable: bool,
}

/// The build of the console: the first 16 hex digits of a SHA-256 of every file's name,
/// content type and text, so any change to any file as served is a new build.
pub fn console_build() -> &'static str {
    static BUILD: OnceLock<String> = OnceLock::new();
    BUILD.get_or_init(|| {
        let mut digest = Sha256::new();
        for asset in CONSOLE_ASSETS {
            for part in [asset.name, asset.content_type, asset.text] {
                digest.update((part.len() as u64).to_be_bytes());
                digest.update(part.as_bytes());
            }
        }
        digest.finalize()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    })
}

/// The page's text, its stylesheet and first module named under this build's path.
fn page_text(page: &ConsoleAsset) -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let build = console_build();
        PAGE_REFERENCES
            .iter()
            .fold(page.text.to_owned(), |text, reference| {
                let (attribute, name) = reference.split_once('"').expect("an attribute=\"name\"");
                text.replace(reference, &format!("{attribute}\"v/{build}/{name}"))
            })
    })
}

/// What a `GET` of `path` takes from the console: `None` for a path outside `/console`,
/// `Some(None)` for a file it does not have (or of another build).
pub fn console_asset(path: &str) -> Option<Option<ServedAsset>> {
    let rest = path.strip_prefix(CONSOLE_PATH)?;
    let (name, immutable) = match rest {
        "" | "/" => ("index.html", false),
        _ => {
            let name = rest.strip_prefix('/')?;
            match name.strip_prefix("v/") {
                Some(versioned) => match versioned.split_once('/') {
                    Some((build, name)) if build == console_build() && name != "index.html" => {
                        (name, true)
                    }
                    _ => return Some(None),
                },
                None => (name, false),
            }
        }
    };
    Some(
        CONSOLE_ASSETS
            .iter()
            .find(|asset| asset.name == name)
            .map(|asset| ServedAsset {
                asset,
                text: if asset.name == "index.html" {
                    page_text(asset)
                } else {
                    asset.text
                },
                immutable,
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(path: &str) -> &'static str {
        console_asset(path).unwrap().unwrap().asset.name
    }

    #[test]
    fn the_console_is_found_by_its_paths_and_nothing_else_is() {
        assert_eq!(name_of("/console"), "index.html");
        assert_eq!(name_of("/console/"), "index.html");
        assert_eq!(name_of("/console/api.js"), "api.js");
        assert_eq!(console_asset("/console/missing.js"), Some(None));
        assert_eq!(console_asset("/consoles"), None);
        assert_eq!(console_asset("/streams/a"), None);
    }

    #[test]
    fn the_page_names_this_builds_files_which_are_kept_for_good_and_no_other_build_is_served() {
        let build = console_build();
        assert_eq!(build.len(), 16);
        let page = console_asset("/console/").unwrap().unwrap();
        assert!(!page.immutable, "the page is asked for on every load");
        for name in ["console.css", "console.js"] {
            // Relative, so it resolves under an API Gateway stage's prefix (`/prod/console/`).
            assert!(
                page.text.contains(&format!("\"v/{build}/{name}\"")),
                "the page names {name} under its build, relatively: {}",
                page.text
            );
            let versioned = console_asset(&format!("/console/v/{build}/{name}"))
                .unwrap()
                .unwrap();
            assert!(versioned.immutable);
            assert_eq!(versioned.asset.name, name);
        }
        assert!(!page.text.contains("\"console.js\""), "{}", page.text);
        // A module's relative imports resolve under the same build's path.
        assert!(
            console_asset(&format!("/console/v/{build}/api.js"))
                .unwrap()
                .unwrap()
                .immutable
        );
        assert!(!console_asset("/console/api.js").unwrap().unwrap().immutable);
        assert_eq!(
            console_asset("/console/v/0123456789abcdef/api.js"),
            Some(None)
        );
        assert_eq!(
            console_asset(&format!("/console/v/{build}/index.html")),
            Some(None)
        );
        assert_eq!(console_asset(&format!("/console/v/{build}")), Some(None));
    }

    #[test]
    fn every_module_the_console_imports_is_embedded_and_nothing_comes_from_elsewhere() {
        for asset in CONSOLE_ASSETS {
            assert!(
                !asset.text.contains("http://") && !asset.text.contains("https://"),
                "{} names another origin",
                asset.name
            );
            for imported in asset.text.split("from './").skip(1) {
                let name = imported.split('\'').next().unwrap();
                assert!(
                    CONSOLE_ASSETS.iter().any(|a| a.name == name),
                    "{} imports {name}, which is not embedded",
                    asset.name
                );
            }
        }
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/console")).unwrap();
        for file in files {
            let name = file.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".js") || name.ends_with(".css") || name.ends_with(".html") {
                assert!(
                    CONSOLE_ASSETS.iter().any(|a| a.name == name),
                    "console/{name} is not embedded"
                );
            }
        }
    }
}
