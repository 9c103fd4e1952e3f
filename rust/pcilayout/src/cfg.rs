// SPDX-License-Identifier: BSD-3-Clause
//! One PCI function's config space (`struct pcl_cfg`): from bytes, a dump
//! file, or a live function through sysfs.
use std::borrow::Cow;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::sys;
use crate::util::{cow, cpath, cstring};
use crate::CFG_SIZE;

/// Who the function is, decoded from its header (`struct pcl_identity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Vendor ID (for a VF given by its PF: see `ids_from_pf`).
    pub vendor_id: u16,
    /// Device ID.
    pub device_id: u16,
    /// Subsystem vendor ID (header type 0), else 0.
    pub subsys_vendor_id: u16,
    /// Subsystem ID (header type 0), else 0.
    pub subsys_id: u16,
    /// Base class << 16 | subclass << 8 | programming interface.
    pub class_code: u32,
    /// Revision ID.
    pub revision: u8,
    /// Header type without the multi-function bit.
    pub header_type: u8,
    /// The multi-function bit.
    pub multifunction: bool,
    /// An SR-IOV virtual function.
    pub is_vf: bool,
    /// The IDs are the ones the kernel gives a VF, not its own registers.
    pub ids_from_pf: bool,
    /// Device/Port Type of the PCI Express capability, if it has one.
    pub pcie_type: Option<u8>,
}

/// What a source knows of one base address register (`struct pcl_bar`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    /// Size in bytes, when the source knows it (sysfs, VFIO).
    pub size: Option<u64>,
    /// `PCL_BAR_*` bits.
    pub flags: u32,
}

/// One function's config space. Immutable once made, except for the
/// SR-IOV marks [`Cfg::set_vf`] and [`Cfg::set_pf`] add.
pub struct Cfg {
    raw: NonNull<sys::pcl_cfg>,
    ctx: Ctx,
}

// SAFETY (Send): a pcl_cfg is heap memory owned by this value, with no tie
// to a thread; freeing it from another thread is fine.
unsafe impl Send for Cfg {}
// SAFETY (Sync): cfg.h: "A cfg is immutable once returned: every later
// stage only reads it"; the functions that take it as const only read it
// (common.h). The two that change it, pcl_cfg_set_vf() and
// pcl_cfg_set_pf(), take &mut self here.
unsafe impl Sync for Cfg {}

impl Drop for Cfg {
    fn drop(&mut self) {
        // SAFETY: owned; freed once.
        unsafe { sys::pcl_cfg_free(self.raw.as_ptr()) }
    }
}

impl Cfg {
    /// A cfg holding `bytes` from offset 0 (1 to 4096 of them; the rest
    /// are unread). `source` names it in messages.
    pub fn from_bytes(ctx: &Ctx, bytes: &[u8], source: &str) -> Result<Cfg> {
        let name = cstring(source)?;
        // SAFETY: the pointers are valid for the call; the library copies.
        let raw = unsafe { sys::pcl_cfg_new(ctx.raw(), bytes.as_ptr(), bytes.len(), name.as_ptr()) };
        Cfg::own(ctx, raw)
    }

    /// Every function held in a dump file (lspci -x format) or a binary
    /// image; "-" is standard input.
    pub fn load<P: AsRef<Path>>(ctx: &Ctx, path: P) -> Result<Vec<Cfg>> {
        let path = cpath(path.as_ref())?;
        let mut list = ptr::null_mut();
        let mut count = 0;
        let mut err = sys::pcl_error::default();
        // SAFETY: valid pointers; on success the library hands over the list.
        let r = unsafe { sys::pcl_cfg_load(ctx.raw(), path.as_ptr(), &mut list, &mut count, &mut err) };
        Error::check(r, &err)?;
        // SAFETY: on success `list` holds `count` new cfgs.
        Ok(unsafe { Cfg::own_list(ctx, list, count) })
    }

    /// Like [`Cfg::load`] for an input in memory; `name` is used in messages.
    pub fn parse(ctx: &Ctx, data: &[u8], name: &str) -> Result<Vec<Cfg>> {
        let name = cstring(name)?;
        let mut list = ptr::null_mut();
        let mut count = 0;
        let mut err = sys::pcl_error::default();
        // SAFETY: as in load().
        let r = unsafe {
            sys::pcl_cfg_parse(
                ctx.raw(),
                data.as_ptr().cast(),
                data.len(),
                name.as_ptr(),
                &mut list,
                &mut count,
                &mut err,
            )
        };
        Error::check(r, &err)?;
        // SAFETY: as in load().
        Ok(unsafe { Cfg::own_list(ctx, list, count) })
    }

    /// A live function through sysfs ("dddd:bb:dd.f" or "bb:dd.f").
    pub fn read_device(ctx: &Ctx, address: &str) -> Result<Cfg> {
        let address = cstring(address)?;
        let mut cfg = ptr::null_mut();
        let mut err = sys::pcl_error::default();
        // SAFETY: valid pointers; on success `cfg` is a new cfg.
        let r = unsafe { sys::pcl_cfg_read_device(ctx.raw(), address.as_ptr(), &mut cfg, &mut err) };
        Error::check(r, &err)?;
        Cfg::own(ctx, cfg)
    }

    fn own(ctx: &Ctx, raw: *mut sys::pcl_cfg) -> Result<Cfg> {
        let raw = NonNull::new(raw).ok_or_else(Error::last_os)?;
        Ok(Cfg { raw, ctx: ctx.clone() })
    }

    /// # Safety
    /// `list` holds `count` cfgs this call takes over, in a list that
    /// pcl_cfg_list_free() frees.
    unsafe fn own_list(ctx: &Ctx, list: *mut *mut sys::pcl_cfg, count: usize) -> Vec<Cfg> {
        let v = (0..count)
            .filter_map(|i| NonNull::new(*list.add(i)))
            .map(|raw| Cfg { raw, ctx: ctx.clone() })
            .collect();
        // The cfgs are ours now: free only the array (count 0).
        sys::pcl_cfg_list_free(list, 0);
        v
    }

    /// The raw cfg, valid as long as `self`.
    pub fn raw(&self) -> *const sys::pcl_cfg {
        self.raw.as_ptr()
    }

    /// The context this cfg was made with.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// The 4096 config-space bytes; unread ones are 0 (see [`Cfg::is_read`]).
    pub fn data(&self) -> &[u8; CFG_SIZE] {
        // SAFETY: pcl_cfg_data() returns the cfg's 4096 bytes, valid as
        // long as the cfg, which the borrow of self keeps.
        unsafe { &*(sys::pcl_cfg_data(self.raw()) as *const [u8; CFG_SIZE]) }
    }

    /// Whether every byte of [`offset`, `offset + len`) was really read.
    pub fn is_read(&self, offset: u32, len: u32) -> bool {
        // SAFETY: read-only call on a valid cfg.
        unsafe { sys::pcl_cfg_is_read(self.raw(), offset, len) }
    }

    /// The extent that was read (64, 256 or 4096 for the usual sources).
    pub fn size(&self) -> u32 {
        // SAFETY: read-only call on a valid cfg.
        unsafe { sys::pcl_cfg_size(self.raw()) }
    }

    /// The decoded identity.
    pub fn identity(&self) -> Identity {
        let mut id = sys::pcl_identity::default();
        // SAFETY: read-only call on a valid cfg.
        unsafe { sys::pcl_cfg_identity(self.raw(), &mut id) };
        Identity {
            vendor_id: id.vendor_id,
            device_id: id.device_id,
            subsys_vendor_id: id.subsys_vendor_id,
            subsys_id: id.subsys_id,
            class_code: id.class_code,
            revision: id.revision,
            header_type: id.header_type,
            multifunction: id.multifunction != 0,
            is_vf: id.is_vf != 0,
            ids_from_pf: id.ids_from_pf != 0,
            pcie_type: u8::try_from(id.pcie_type).ok(),
        }
    }

    /// The source name (file, "<stdin>", address).
    pub fn source(&self) -> Cow<'_, str> {
        // SAFETY: the string lives as long as the cfg.
        unsafe { cow(sys::pcl_cfg_source(self.raw())) }.unwrap_or_default()
    }

    /// The PCI address "dddd:bb:dd.f", when the source gives one.
    pub fn slot(&self) -> Option<Cow<'_, str>> {
        // SAFETY: the string lives as long as the cfg.
        unsafe { cow(sys::pcl_cfg_slot(self.raw())) }
    }

    /// The PF's address, for a VF whose PF is known.
    pub fn pf_slot(&self) -> Option<Cow<'_, str>> {
        // SAFETY: the string lives as long as the cfg (set_vf/set_pf,
        // which replace it, take &mut self).
        unsafe { cow(sys::pcl_cfg_pf_slot(self.raw())) }
    }

    /// The 1-based line of the dump where this function starts; 0 for
    /// binary and sysfs sources.
    pub fn line(&self) -> u32 {
        // SAFETY: read-only call on a valid cfg.
        unsafe { sys::pcl_cfg_line(self.raw()) }
    }

    /// What the source knows of BAR `index` (0..5, or 6 for the ROM).
    pub fn bar(&self, index: u32) -> Result<Bar> {
        let mut bar = sys::pcl_bar::default();
        // SAFETY: read-only call on a valid cfg.
        Error::check_ret(unsafe { sys::pcl_cfg_bar(self.raw(), index, &mut bar) })?;
        Ok(Bar {
            size: Some(bar.size).filter(|_| bar.flags & sys::PCL_BAR_SIZE_KNOWN != 0),
            flags: bar.flags,
        })
    }

    /// Mark this function as an SR-IOV VF whose PF is at `pf_slot`.
    pub fn set_vf(&mut self, pf_slot: Option<&str>) -> Result<()> {
        let slot = pf_slot.map(cstring).transpose()?;
        let p = slot.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        // SAFETY: &mut self: no other user of the cfg; the slot is copied.
        Error::check_ret(unsafe { sys::pcl_cfg_set_vf(self.raw.as_ptr(), p) }).map(drop)
    }

    /// Make this function the VF of `pf` and give it the identity the
    /// kernel gives a VF (pcl_cfg_set_pf()); for dumps, which cannot tell.
    pub fn set_pf(&mut self, pf: &Cfg) -> Result<()> {
        let mut err = sys::pcl_error::default();
        // SAFETY: &mut self: no other user of the VF's cfg; the PF's is
        // only read during the call.
        let r = unsafe { sys::pcl_cfg_set_pf(self.raw.as_ptr(), pf.raw(), &mut err) };
        Error::check(r, &err)
    }
}
