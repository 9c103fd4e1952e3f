// SPDX-License-Identifier: BSD-3-Clause
//! Finds libpcilayout for the linker with `pkg-config --libs pcilayout`
//! (no crate from a registry), which honours $PKG_CONFIG_PATH and
//! $PKG_CONFIG_SYSROOT_DIR: an installed library, a staged install, or a
//! meson build tree (PKG_CONFIG_PATH=BUILD/meson-uninstalled, as `make
//! check` does). $PKG_CONFIG names another pkg-config.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in ["PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "PKG_CONFIG_SYSROOT_DIR"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    let pkg_config = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into());
    let out = match Command::new(&pkg_config).args(["--libs", "pcilayout"]).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!(
            "{} cannot find pcilayout: {}\nInstall libpcilayout, or point PKG_CONFIG_PATH at the \
             directory of its pcilayout.pc (in a build tree: BUILD/meson-uninstalled).",
            pkg_config,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("cannot run {}: {} (the pcilayout-sys crate needs pkg-config)", pkg_config, e),
    };
    for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={}", lib);
        }
    }
}
