// SPDX-License-Identifier: BSD-3-Clause
//! Layout files (`struct pcl_layout`, docs/layout-format.md): load with
//! every error located, validate, write canonically, fingerprint, and read
//! the entries with their provenance.
use std::borrow::Cow;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::ctx::Ctx;
use crate::error::{Diag, Error, Result};
use crate::sys;
use crate::util::{cow, cpath, cstring, free, static_str};

/// Which chain a capability lives in (`enum pcl_space`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    /// 0x40..0xff, headed at 0x34.
    Standard,
    /// 0x100..0xfff, headed at 0x100.
    Extended,
}

impl Space {
    pub(crate) fn raw(self) -> i32 {
        match self {
            Space::Standard => sys::pcl_space_PCL_SPACE_STANDARD as i32,
            Space::Extended => sys::pcl_space_PCL_SPACE_EXTENDED as i32,
        }
    }
}

/// What a layout file describes (`enum pcl_layout_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutKind {
    /// A full guest view.
    Layout,
    /// Device facts for the planner.
    Quirk,
}

/// Where an entry's bytes come from (`enum pcl_entry_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A device capability, maybe relocated.
    Physical,
    /// Synthesized by a generator.
    Virtual,
    /// A device capability the guest must not see.
    Hidden,
}

/// How a virtual entry's bytes are made (`enum pcl_generator`), with its
/// parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Generator {
    /// Not virtual.
    None,
    /// An extended PASID capability.
    Pasid {
        /// Max PASID Width.
        max_width: u8,
        /// Execute Permission Supported.
        exec: bool,
        /// Privileged Mode Supported.
        privileged: bool,
    },
    /// A Device Serial Number: the PF's (None) or this one.
    Dsn(Option<u64>),
    /// A Null capability.
    Null,
    /// Literal bytes, header included.
    Bytes(Vec<u8>),
}

/// One entry of a layout's chain (a copy of `struct pcl_layout_entry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its chain.
    pub space: Space,
    /// Where its bytes come from.
    pub kind: EntryKind,
    /// Capability ID.
    pub id: u16,
    /// Guest offset; None for hidden entries.
    pub at: Option<u32>,
    /// Bytes it covers in the guest.
    pub length: u32,
    /// Physical entries pinned to a physical offset.
    pub phys: Option<u32>,
    /// The generator of a virtual entry.
    pub generator: Generator,
    /// The planner rule that decided it ("user", "gap", ...), if recorded.
    pub rule: Option<&'static str>,
    /// Why, if recorded.
    pub reason: Option<String>,
}

impl Entry {
    /// The format-1 name of the capability ("pasid", "msix"), if it has one.
    pub fn name(&self) -> Option<&'static str> {
        // SAFETY: returns a static string or NULL.
        unsafe { static_str(sys::pcl_layout_cap_name(self.space.raw(), self.id)) }
    }

    /// # Safety
    /// `e` is an entry the library returned, valid during the call.
    unsafe fn from_raw(e: &sys::pcl_layout_entry) -> Entry {
        let space = if u32::from(e.space) == sys::pcl_space_PCL_SPACE_EXTENDED {
            Space::Extended
        } else {
            Space::Standard
        };
        let kind = match u32::from(e.kind) {
            sys::pcl_entry_kind_PCL_ENTRY_VIRTUAL => EntryKind::Virtual,
            sys::pcl_entry_kind_PCL_ENTRY_HIDDEN => EntryKind::Hidden,
            _ => EntryKind::Physical,
        };
        let generator = match u32::from(e.generator) {
            // Each generator's parameters, by its own index (vcap.h).
            sys::pcl_generator_PCL_GEN_PASID => Generator::Pasid {
                max_width: e.params[sys::pcl_pasid_param_PCL_PASID_MAX_WIDTH as usize] as u8,
                exec: e.params[sys::pcl_pasid_param_PCL_PASID_EXEC as usize] != 0,
                privileged: e.params[sys::pcl_pasid_param_PCL_PASID_PRIV as usize] != 0,
            },
            sys::pcl_generator_PCL_GEN_DSN => Generator::Dsn(
                Some(e.params[sys::pcl_dsn_param_PCL_DSN_SERIAL as usize])
                    .filter(|_| e.params[sys::pcl_dsn_param_PCL_DSN_FROM_PF as usize] == 0),
            ),
            sys::pcl_generator_PCL_GEN_NULL => Generator::Null,
            sys::pcl_generator_PCL_GEN_BYTES if !e.data.is_null() => {
                Generator::Bytes(std::slice::from_raw_parts(e.data, e.length as usize).to_vec())
            }
            _ => Generator::None,
        };
        Entry {
            space,
            kind,
            id: e.id,
            at: u32::try_from(e.at).ok(),
            length: e.length,
            phys: u32::try_from(e.phys).ok(),
            generator,
            rule: static_str(sys::pcl_prov_rule_name(i32::from(e.prov_rule))),
            reason: cow(e.prov_reason).map(Cow::into_owned),
        }
    }
}

/// A layout or quirk: a value, read by every accessor.
pub struct Layout {
    raw: NonNull<sys::pcl_layout>,
    ctx: Ctx,
}

// SAFETY (Send): heap memory owned by this value, with no tie to a thread.
unsafe impl Send for Layout {}
// SAFETY (Sync): layout.h: "A struct pcl_layout is a value: ... every
// accessor only reads"; functions taking it as const only read it
// (common.h). This crate wraps no setter; any it adds take &mut self.
unsafe impl Sync for Layout {}

impl Drop for Layout {
    fn drop(&mut self) {
        // SAFETY: owned; freed once.
        unsafe { sys::pcl_layout_free(self.raw.as_ptr()) }
    }
}

impl Layout {
    /// Parse and validate a layout file held in memory; `name` is used in
    /// messages. The error lists every problem, each located.
    pub fn load_bytes(ctx: &Ctx, buf: &[u8], name: &str) -> Result<Layout> {
        let name = cstring(name)?;
        let diag = Diag::new()?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid pointers for the call; on success `raw` is ours.
        let r = unsafe {
            sys::pcl_layout_load_string(ctx.raw(), buf.as_ptr().cast(), buf.len(), name.as_ptr(), &mut raw, diag.raw())
        };
        diag.check(r)?;
        Layout::own(ctx, raw)
    }

    /// Read and validate a layout file ("-" is standard input).
    pub fn load_file<P: AsRef<Path>>(ctx: &Ctx, path: P) -> Result<Layout> {
        let path = cpath(path.as_ref())?;
        let diag = Diag::new()?;
        let mut raw = ptr::null_mut();
        // SAFETY: as in load_bytes().
        let r = unsafe { sys::pcl_layout_load_file(ctx.raw(), path.as_ptr(), &mut raw, diag.raw()) };
        diag.check(r)?;
        Layout::own(ctx, raw)
    }

    pub(crate) fn own(ctx: &Ctx, raw: *mut sys::pcl_layout) -> Result<Layout> {
        let raw = NonNull::new(raw).ok_or_else(Error::last_os)?;
        Ok(Layout { raw, ctx: ctx.clone() })
    }

    /// The raw layout, valid as long as `self`.
    pub fn raw(&self) -> *const sys::pcl_layout {
        self.raw.as_ptr()
    }

    /// The context this layout was made with.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// Check every rule of the format; the error lists each violation.
    pub fn validate(&self) -> Result<()> {
        let diag = Diag::new()?;
        // SAFETY: read-only call on a valid layout.
        diag.check(unsafe { sys::pcl_layout_validate(self.raw(), diag.raw()) })
    }

    /// The canonical form of the file.
    pub fn to_canonical(&self) -> Result<String> {
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = 0;
        // SAFETY: read-only call; on success `out` is a malloc'ed C string
        // the caller frees (layout.h).
        unsafe {
            Error::check_ret(sys::pcl_layout_to_string(self.raw(), &mut out, &mut len))?;
            let s = CStr::from_ptr(out).to_string_lossy().into_owned();
            free(out.cast());
            Ok(s)
        }
    }

    /// The fingerprint of the guest-visible content, "sha256:...".
    pub fn fingerprint(&self) -> Result<String> {
        let mut buf = [0 as c_char; sys::PCL_FINGERPRINT_SIZE as usize];
        // SAFETY: the buffer has the size the function requires.
        Error::check_ret(unsafe { sys::pcl_layout_fingerprint(self.raw(), buf.as_mut_ptr()) })?;
        Ok(crate::util::array_str(&buf).into_owned())
    }

    /// Replace `path` with the canonical form, atomically.
    pub fn save_file<P: AsRef<Path>>(&self, path: P) -> Result<()> {
        let path = cpath(path.as_ref())?;
        // SAFETY: read-only on the layout; the path is valid for the call.
        Error::check_ret(unsafe { sys::pcl_layout_save_file(self.raw(), path.as_ptr()) }).map(drop)
    }

    /// A layout or a quirk.
    pub fn kind(&self) -> LayoutKind {
        // SAFETY: read-only call on a valid layout.
        match unsafe { sys::pcl_layout_kind(self.raw()) } as u32 {
            sys::pcl_layout_kind_PCL_LAYOUT_KIND_QUIRK => LayoutKind::Quirk,
            _ => LayoutKind::Layout,
        }
    }

    /// The name, when set.
    pub fn name(&self) -> Option<Cow<'_, str>> {
        // SAFETY: the string lives as long as the layout (no setter is
        // reachable through &self).
        unsafe { cow(sys::pcl_layout_name(self.raw())) }
    }

    /// The revision (1 and up).
    pub fn revision(&self) -> u32 {
        // SAFETY: read-only call on a valid layout.
        unsafe { sys::pcl_layout_revision(self.raw()) }
    }

    /// The entries of `space` in canonical order (presented ones by guest
    /// offset, then hidden ones).
    pub fn entries(&self, space: Space) -> Vec<Entry> {
        // SAFETY: read-only calls; each entry is copied while the layout,
        // borrowed by self, is unchanged.
        unsafe {
            let n = sys::pcl_layout_entry_count(self.raw(), space.raw());
            (0..n)
                .filter_map(|i| sys::pcl_layout_entry(self.raw(), space.raw(), i).as_ref())
                .map(|e| Entry::from_raw(e))
                .collect()
        }
    }
}
