//! What both transports (API Gateway through `lambda_http`, and `make dev`'s local server) hand
//! a request to: a `GET` under `/console` is answered with the console's embedded file (kept by
//! the browser for good under its build's path, asked again each time otherwise), every other
//! request by the API's handler, as an HTTP response.

use crate::console_assets::{console_asset, console_build, CONSOLE_PATH};
use crate::handler::not_found;
use crate::{Api, ApiRequest};

impl Api {
    /// `request`'s HTTP response: a console file, or the API's answer.
    pub async fn serve(&self, request: ApiRequest) -> http::Response<String> {
        if request.method == "GET" {
            // The page's files are named relative to it: `/console` is `/console/` (relative,
            // so a stage prefix such as `/prod` is kept).
            if request.path == CONSOLE_PATH {
                return http::Response::builder()
                    .status(308)
                    .header("location", "console/")
                    .body(String::new())
                    .expect("a status and headers of our own");
            }
            match console_asset(&request.path) {
                Some(Some(served)) => {
                    let caching = if served.immutable {
                        "public, max-age=31536000, immutable"
                    } else {
                        "no-cache"
                    };
                    return http::Response::builder()
                        .status(200)
                        .header("content-type", served.asset.content_type)
                        .header("cache-control", caching)
                        .header("x-content-type-options", "nosniff")
                        .header(
                            "content-security-policy",
                            "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'",
                        )
                        .body(served.text.to_owned())
                        .expect("a status and headers of our own");
                }
                Some(None) => {
                    return not_found(format!(
                        "the console has no file {} (this is build {}: reload the page)",
                        request.path,
                        console_build()
                    ))
                    .into_http()
                }
                None => {}
            }
        }
        self.respond(request).await.into_http()
    }
}

/// Whether `method` `path` is a console file, which is served without the API key.
pub fn is_console_request(method: &str, path: &str) -> bool {
    method == "GET" && console_asset(path).is_some()
}
