// SPDX-License-Identifier: BSD-3-Clause
//! The guest view (`struct pcl_guest`, image.h): the 4096 bytes a guest
//! first sees and the rule of every byte, built from a layout and the
//! device's cfg, or byte by byte.
use std::ffi::CStr;
use std::ptr::{self, NonNull};

use crate::cfg::Cfg;
use crate::ctx::Ctx;
use crate::error::{Error, Result, EINVAL};
use crate::layout::Layout;
use crate::sys;
use crate::util::cstring;
use crate::CFG_SIZE;

/// Where a byte's guest reads come from (`enum pcl_guest_source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The image byte, forever.
    Const,
    /// The engine's emulated copy.
    Shadow,
    /// The device, at the rule's physical offset.
    Phys,
}

/// Registers whose changes a VMM acts on (`enum pcl_hook`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    /// The command register.
    Command,
    /// MSI Message Control.
    Msi,
    /// MSI-X Message Control.
    Msix,
    /// PASID Control of a virtual PASID.
    Pasid,
    /// A base address register or the ROM BAR.
    Bar,
    /// A value this crate does not know yet.
    Other(u32),
}

impl Hook {
    pub(crate) fn from_raw(v: u32) -> Hook {
        match v {
            sys::pcl_hook_PCL_HOOK_COMMAND => Hook::Command,
            sys::pcl_hook_PCL_HOOK_MSI => Hook::Msi,
            sys::pcl_hook_PCL_HOOK_MSIX => Hook::Msix,
            sys::pcl_hook_PCL_HOOK_PASID => Hook::Pasid,
            sys::pcl_hook_PCL_HOOK_BAR => Hook::Bar,
            v => Hook::Other(v),
        }
    }

    fn raw(self) -> u32 {
        match self {
            Hook::Command => sys::pcl_hook_PCL_HOOK_COMMAND,
            Hook::Msi => sys::pcl_hook_PCL_HOOK_MSI,
            Hook::Msix => sys::pcl_hook_PCL_HOOK_MSIX,
            Hook::Pasid => sys::pcl_hook_PCL_HOOK_PASID,
            Hook::Bar => sys::pcl_hook_PCL_HOOK_BAR,
            Hook::Other(v) => v,
        }
    }
}

/// The access rule of one config byte (`struct pcl_guest_rule`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Where reads come from.
    pub source: Source,
    /// Guest-writable bits.
    pub wmask: u8,
    /// Write-1-to-clear bits.
    pub w1c: u8,
    /// Phys: bits served from the shadow.
    pub vmask: u8,
    /// Shadow: guest writes also go to the device at `phys`.
    pub write_through: bool,
    /// 0, or 1 + the index [`Guest::add_hook`] returned.
    pub hook: u8,
    /// The physical offset (Phys, or Shadow with `write_through`).
    pub phys: u16,
}

impl Rule {
    /// A rule with no mask, flag or hook.
    pub fn new(source: Source) -> Rule {
        Rule {
            source,
            wmask: 0,
            w1c: 0,
            vmask: 0,
            write_through: false,
            hook: 0,
            phys: 0,
        }
    }

    fn to_raw(self) -> sys::pcl_guest_rule {
        let source = match self.source {
            Source::Const => sys::pcl_guest_source_PCL_GUEST_CONST,
            Source::Shadow => sys::pcl_guest_source_PCL_GUEST_SHADOW,
            Source::Phys => sys::pcl_guest_source_PCL_GUEST_PHYS,
        };
        sys::pcl_guest_rule {
            source: source as u8,
            wmask: self.wmask,
            w1c: self.w1c,
            vmask: self.vmask,
            flags: if self.write_through { sys::PCL_GUEST_WRITE_THROUGH as u8 } else { 0 },
            hook: self.hook,
            phys: self.phys,
        }
    }

    fn from_raw(r: &sys::pcl_guest_rule) -> Rule {
        let source = match u32::from(r.source) {
            sys::pcl_guest_source_PCL_GUEST_SHADOW => Source::Shadow,
            sys::pcl_guest_source_PCL_GUEST_PHYS => Source::Phys,
            _ => Source::Const,
        };
        Rule {
            source,
            wmask: r.wmask,
            w1c: r.w1c,
            vmask: r.vmask,
            write_through: u32::from(r.flags) & sys::PCL_GUEST_WRITE_THROUGH != 0,
            hook: r.hook,
            phys: r.phys,
        }
    }
}

/// What the layout and the cfg cannot say (`struct pcl_guest_options`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestOptions {
    /// Size of each BAR from the VMM (a 64-bit BAR: at its low index, 0 at
    /// the high one). All zero: the sizes the cfg knows.
    pub bar_size: [u64; 6],
    /// Size of the expansion ROM, or 0.
    pub rom_size: u64,
    /// The PF's serial, for a virtual DSN taken from the PF.
    pub pf_serial: Option<u64>,
    /// Ignore the BAR sizes the cfg knows.
    pub no_bar_sizing: bool,
}

impl GuestOptions {
    fn to_raw(self) -> sys::pcl_guest_options {
        let mut o = sys::pcl_guest_options {
            bar_size: self.bar_size,
            rom_size: self.rom_size,
            ..Default::default()
        };
        if let Some(s) = self.pf_serial {
            o.pf_serial = s;
            o.flags |= sys::PCL_GUEST_OPT_PF_SERIAL;
        }
        if self.no_bar_sizing {
            o.flags |= sys::PCL_GUEST_OPT_NO_BAR_SIZING;
        }
        o
    }
}

/// A guest view: image and access table.
pub struct Guest {
    raw: NonNull<sys::pcl_guest>,
    ctx: Ctx,
}

// SAFETY (Send): heap memory owned by this value, with no tie to a thread.
unsafe impl Send for Guest {}
// SAFETY (Sync): the functions taking a guest as const (image, rule,
// segment end, fingerprint, pcl_vdev_new()) only read it (common.h);
// those that change it take &mut self.
unsafe impl Sync for Guest {}

impl Drop for Guest {
    fn drop(&mut self) {
        // SAFETY: owned; freed once. Engines made from it keep their own copy.
        unsafe { sys::pcl_guest_free(self.raw.as_ptr()) }
    }
}

impl Guest {
    /// The guest view `layout` gives the device `cfg` (both only read
    /// during the call).
    pub fn build(ctx: &Ctx, layout: &Layout, cfg: &Cfg, opts: &GuestOptions) -> Result<Guest> {
        let o = opts.to_raw();
        let mut raw = ptr::null_mut();
        let mut err = sys::pcl_error::default();
        // SAFETY: valid pointers, only read during the call; on success
        // the view is ours.
        let r = unsafe { sys::pcl_guest_build(ctx.raw(), layout.raw(), cfg.raw(), &o, &mut raw, &mut err) };
        Error::check(r, &err)?;
        Guest::own(ctx, raw)
    }

    /// An empty view: every byte Const 0.
    pub fn new(ctx: &Ctx) -> Result<Guest> {
        // SAFETY: NULL sets errno.
        Guest::own(ctx, unsafe { sys::pcl_guest_new(ctx.raw()) })
    }

    fn own(ctx: &Ctx, raw: *mut sys::pcl_guest) -> Result<Guest> {
        let raw = NonNull::new(raw).ok_or_else(Error::last_os)?;
        Ok(Guest { raw, ctx: ctx.clone() })
    }

    /// The raw view, valid as long as `self`.
    pub fn raw(&self) -> *const sys::pcl_guest {
        self.raw.as_ptr()
    }

    /// The context this view was made with.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// Give bytes [`off`, `off + len`) the rule `rule` (byte i: physical
    /// offset `rule.phys + i`) and, when given, `init` (`len` bytes) as
    /// their initial values.
    pub fn set(&mut self, off: u32, len: u32, rule: &Rule, init: Option<&[u8]>) -> Result<()> {
        if init.map_or(false, |b| b.len() != len as usize) {
            return Err(Error::from_errno(EINVAL));
        }
        let r = rule.to_raw();
        let p = init.map_or(ptr::null(), |b| b.as_ptr());
        // SAFETY: &mut self: the view alone; `init` holds `len` bytes.
        Error::check_ret(unsafe { sys::pcl_guest_set(self.raw.as_ptr(), off, len, &r, p) }).map(drop)
    }

    /// Make [`off`, `off + len`) one segment (accesses are split at segment
    /// boundaries).
    pub fn set_segment(&mut self, off: u32, len: u32) -> Result<()> {
        // SAFETY: &mut self.
        Error::check_ret(unsafe { sys::pcl_guest_set_segment(self.raw.as_ptr(), off, len) }).map(drop)
    }

    /// Register a hooked register; returns its index (give its bytes
    /// `hook = index + 1`).
    pub fn add_hook(&mut self, hook: Hook, off: u32, width: u32) -> Result<u32> {
        // SAFETY: &mut self.
        let r = unsafe { sys::pcl_guest_add_hook(self.raw.as_ptr(), hook.raw() as i32, off, width) };
        Error::check_ret(r).map(|i| i as u32)
    }

    /// Name the layout this view realizes (saved engine state carries it).
    pub fn set_fingerprint(&mut self, fingerprint: &str) -> Result<()> {
        let f = cstring(fingerprint)?;
        // SAFETY: &mut self; the string is copied.
        Error::check_ret(unsafe { sys::pcl_guest_set_fingerprint(self.raw.as_ptr(), f.as_ptr()) }).map(drop)
    }

    /// The 4096 initial guest-visible bytes.
    pub fn image(&self) -> &[u8; CFG_SIZE] {
        // SAFETY: 4096 bytes valid until the view changes or is freed; the
        // borrow of self excludes both.
        unsafe { &*(sys::pcl_guest_image(self.raw()) as *const [u8; CFG_SIZE]) }
    }

    /// The rule of byte `off`.
    pub fn rule(&self, off: u32) -> Result<Rule> {
        let mut r = sys::pcl_guest_rule::default();
        // SAFETY: read-only call.
        Error::check_ret(unsafe { sys::pcl_guest_rule(self.raw(), off, &mut r) })?;
        Ok(Rule::from_raw(&r))
    }

    /// The end (exclusive) of the segment holding byte `off`, or 0 past 4095.
    pub fn segment_end(&self, off: u32) -> u32 {
        // SAFETY: read-only call.
        unsafe { sys::pcl_guest_segment_end(self.raw(), off) }
    }

    /// The fingerprint of the layout this view realizes ("" when unset).
    pub fn fingerprint(&self) -> String {
        // SAFETY: a string owned by the view, copied at once.
        unsafe { CStr::from_ptr(sys::pcl_guest_fingerprint(self.raw())) }
            .to_string_lossy()
            .into_owned()
    }
}
