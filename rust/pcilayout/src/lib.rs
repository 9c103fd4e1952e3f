// SPDX-License-Identifier: BSD-3-Clause
//! Safe Rust interface to libpcilayout, the C library that makes the PCI
//! config-space layout a VMM shows a guest for an assigned device an
//! explicit, checked artifact. The C headers (`include/pcilayout/*.h`) are
//! the reference for what every call does; this crate adds ownership,
//! lifetimes and thread-safety markers that encode their contracts:
//!
//! - [`Ctx`]: the library context; objects keep it alive.
//! - [`Cfg`]: one function's config space, from bytes, a dump or sysfs.
//! - [`Layout`]: a layout file (load, validate, canonical form, fingerprint).
//! - [`PlanRequest`]: the planner; [`PlanRequest::plan`] gives a [`Layout`].
//! - [`Guest`]: the guest view (image + per-byte access rules) of a layout.
//! - [`Vdev`]: the engine that answers a guest's config reads and writes,
//!   over a [`Backend`] (simulated, sysfs, VFIO) or any [`DeviceIo`].
//!
//! ```no_run
//! use pcilayout::{Backend, Cfg, Ctx, Guest, GuestOptions, PlanRequest, Vdev};
//! # fn main() -> pcilayout::Result<()> {
//! let ctx = Ctx::new()?;
//! let pf = Cfg::read_device(&ctx, "0000:01:00.0")?;
//! let vf = Cfg::read_device(&ctx, "0000:01:00.1")?;
//! let mut req = PlanRequest::new(&ctx, &vf)?;
//! req.pf(&pf)?;
//! req.add_pasid(None)?; // values from the PF's PASID capability
//! let layout = req.plan()?;
//! let guest = Guest::build(&ctx, &layout, &vf, &GuestOptions::default())?;
//! let vdev = Vdev::new(&guest, Backend::sysfs("0000:01:00.1", false)?)?;
//! let ids = vdev.read(0, 4)?; // in the VMM's config-space trap handler
//! # let _ = ids; Ok(())
//! # }
//! ```
//!
//! Failures are [`Error`]s: the negative errno the C function returned and
//! the `struct pcl_error` records it filled.
//!
//! # Threads
//!
//! Each type is `Send` and `Sync` exactly as far as the C contract in
//! `common.h` and `vdev.h` allows; the `unsafe impl`s say which guarantee
//! they rely on. In short: functions taking a `const` object only read it,
//! so shared references (`&T`) may be used from many threads; functions
//! taking a non-`const` object need it alone, so they take `&mut self`. An
//! engine's reads run in parallel only when its backend's reads may, so
//! [`Vdev<B>`] is `Sync` exactly when `B` is.

mod cfg;
mod ctx;
mod error;
mod guest;
mod layout;
mod plan;
mod util;
mod vdev;

pub use cfg::{Bar, Cfg, Identity};
pub use ctx::{priority, Ctx, LogRecord};
pub use error::{Error, Record, Result};
pub use guest::{Guest, GuestOptions, Hook, Rule, Source};
pub use layout::{Entry, EntryKind, Generator, Layout, LayoutKind, Space};
pub use plan::{Dsn, IommuPasid, PlanRequest};
pub use vdev::{Backend, BackendStats, DeviceIo, NoDevice, Vdev, VdevBackend, VdevEvent};

/// Raw declarations, for what this crate does not wrap.
pub use pcilayout_sys as sys;

/// The library version, e.g. "0.1.0".
pub fn version() -> &'static str {
    // SAFETY: pcl_version() returns a static NUL-terminated string.
    unsafe { util::static_str(sys::pcl_version()) }.unwrap_or("")
}

/// Size of a config space: every [`Cfg`], guest image and engine has this many bytes.
pub const CFG_SIZE: usize = sys::PCL_CFG_SIZE as usize;
