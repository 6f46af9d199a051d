//! The web console's files, embedded in the binary (nothing is fetched from elsewhere at run
//! time): `console/*.js` are plain ES modules type-checked by `make lint`, served as they are
//! under `/console/`. The page asks the API for everything it shows, with the API key the user
//! gives it; the files themselves hold no data and are served without the key.

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

/// What a `GET` of `path` takes from the console: `None` for a path outside `/console`,
/// `Some(None)` for a file it does not have.
pub fn console_asset(path: &str) -> Option<Option<&'static ConsoleAsset>> {
    let rest = path.strip_prefix(CONSOLE_PATH)?;
    let name = match rest {
        "" | "/" => "index.html",
        _ => rest.strip_prefix('/')?,
    };
    Some(CONSOLE_ASSETS.iter().find(|asset| asset.name == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_is_found_by_its_paths_and_nothing_else_is() {
        assert_eq!(
            console_asset("/console").unwrap().unwrap().name,
            "index.html"
        );
        assert_eq!(
            console_asset("/console/").unwrap().unwrap().name,
            "index.html"
        );
        assert_eq!(
            console_asset("/console/api.js").unwrap().unwrap().name,
            "api.js"
        );
        assert_eq!(console_asset("/console/missing.js"), Some(None));
        assert_eq!(console_asset("/consoles"), None);
        assert_eq!(console_asset("/streams/a"), None);
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
