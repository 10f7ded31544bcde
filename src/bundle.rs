//! The `<link>` and `<script>` tags that load the front end's stylesheet and WASM bundle.
//!
//! cargo-leptos's `hash-files` puts a content hash in each bundle file's name and writes the
//! hashes to a file beside the server binary. Leptos's `HashedStylesheet` and
//! `HydrationScripts` find that file and read it on every render (`readlink`, `stat`, `open`,
//! `read`: about a tenth of the CPU of a page, measured with `perf`). The names cannot change
//! while the server runs, so they are read once, when the router is built, and every page
//! renders its tags from memory: shared strings (a page clones them for a pointer each), the
//! loader script included, so no page formats it again.

use std::sync::Arc;

use leptos::prelude::*;

/// The URL paths of the bundle's stylesheet, JavaScript module and WASM binary, and the module
/// script that loads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleFiles {
    stylesheet: Arc<str>,
    script: Arc<str>,
    wasm: Arc<str>,
    loader: Arc<str>,
}

impl BundleFiles {
    /// The paths under `/{pkg_dir}/` for `output_name`, with the hashes of `hashes` (the hash
    /// file's `js: …`, `wasm: …` and `css: …` lines) when there is one.
    ///
    /// Without hashes, and without an output name fixed at compile time, wasm-bindgen's default
    /// `_bg` suffix names the WASM file: what Leptos's own tags assume in that case.
    pub fn new(pkg_dir: &str, output_name: &str, hashes: Option<&str>) -> Self {
        let hash_of = |kind: &str| {
            hashes.into_iter().flat_map(str::lines).find_map(|line| {
                let (file, hash) = line.trim().split_once(':')?;
                (file.trim() == kind).then(|| format!(".{}", hash.trim()))
            })
        };
        let wasm_suffix = match hashes {
            None if option_env!("LEPTOS_OUTPUT_NAME").is_none() => "_bg".to_string(),
            _ => hash_of("wasm").unwrap_or_default(),
        };
        let file = |suffix: String, extension: &str| format!("/{pkg_dir}/{output_name}{suffix}.{extension}");
        let script = file(hash_of("js").unwrap_or_default(), "js");
        let wasm = file(wasm_suffix, "wasm");
        // wasm-bindgen's generated module exports `init` as its default export, the app's
        // `hydrate` entry point, and one function per island (Leptos's `#[island]`), named in
        // each island element's `data-component`. Leptos's own island loader (in
        // `HydrationScripts`) does the same walk, but that component reads the hash file on every
        // render; and it waits for the browser to be idle, where this hydrates at once. The app's
        // islands are never nested, so a flat walk finds them all. The `data-hydrated` marker
        // tells end-to-end tests that the islands are interactive. `{:?}` quotes the paths as
        // JavaScript string literals.
        let loader = format!(
            "import init, * as bundle from {script:?};\n\
             init({{ module_or_path: {wasm:?} }}).then(() => {{\n\
             bundle.hydrate();\n\
             for (const island of document.querySelectorAll(\"leptos-island\")) bundle[island.dataset.component]?.(island);\n\
             document.body.dataset.hydrated = \"true\";\n\
             }});"
        );
        BundleFiles {
            stylesheet: file(hash_of("css").unwrap_or_default(), "css").into(),
            script: script.into(),
            wasm: wasm.into(),
            loader: loader.into(),
        }
    }

    /// The bundle of this deployment: with `hash-files` on, the hashes are read from the hash
    /// file beside the server binary, where cargo-leptos (and `scripts/dist.sh`) put it.
    pub fn from_options(options: &LeptosOptions) -> Self {
        let hashes = options.hash_files.then(|| {
            let path = std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
            match path.as_ref().map(std::fs::read_to_string) {
                Some(Ok(hashes)) => hashes,
                _ => {
                    tracing::error!(
                        path = ?path,
                        "LEPTOS_HASH_FILES is on but the hash file is missing: pages will load unhashed bundle names"
                    );
                    String::new()
                }
            }
        });
        BundleFiles::new(&options.site_pkg_dir, &options.output_name, hashes.as_deref())
    }
}

/// The stylesheet, the preloads of the JavaScript module and the WASM binary, and the module
/// script that loads the WASM and hydrates the page.
#[component]
pub fn BundleTags(files: BundleFiles) -> impl IntoView {
    // Islands mode: the rest of the page renders without hydration markers and without the
    // data that hydration would need; each island turns hydration back on for itself. Leptos's
    // `HydrationScripts islands=true` does the same; the shell renders this before `<body>`.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let BundleFiles { stylesheet, script, wasm, loader } = files;
    view! {
        // The id lets cargo-leptos's watch mode swap the stylesheet in place.
        <link id="leptos" rel="stylesheet" href=stylesheet />
        <link rel="modulepreload" href=script />
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="" />
        <script type="module">{loader}</script>
    }
}

#[cfg(test)]
mod tests {
    use super::BundleFiles;

    #[test]
    fn hashed_names_come_from_each_line_of_the_hash_file() {
        let hashes = "js: BnNyTrCnBzjlfIZw_219cA\nwasm: goh_qBPnfMrNlHI63qYhzA\ncss: YN4AzI4_hR2mWlT1b_H92g\n";
        let files = BundleFiles::new("pkg", "leptos-cognito", Some(hashes));
        assert_eq!(&*files.stylesheet, "/pkg/leptos-cognito.YN4AzI4_hR2mWlT1b_H92g.css");
        assert_eq!(&*files.script, "/pkg/leptos-cognito.BnNyTrCnBzjlfIZw_219cA.js");
        assert_eq!(&*files.wasm, "/pkg/leptos-cognito.goh_qBPnfMrNlHI63qYhzA.wasm");
        assert_eq!(
            &*files.loader,
            "import init, * as bundle from \"/pkg/leptos-cognito.BnNyTrCnBzjlfIZw_219cA.js\";\n\
             init({ module_or_path: \"/pkg/leptos-cognito.goh_qBPnfMrNlHI63qYhzA.wasm\" }).then(() => {\n\
             bundle.hydrate();\n\
             for (const island of document.querySelectorAll(\"leptos-island\")) bundle[island.dataset.component]?.(island);\n\
             document.body.dataset.hydrated = \"true\";\n\
             });"
        );
    }

    #[test]
    fn without_a_hash_file_the_names_are_plain() {
        let files = BundleFiles::new("pkg", "leptos-cognito", Some(""));
        assert_eq!(&*files.stylesheet, "/pkg/leptos-cognito.css");
        assert_eq!(&*files.script, "/pkg/leptos-cognito.js");
        assert_eq!(&*files.wasm, "/pkg/leptos-cognito.wasm");
    }
}
