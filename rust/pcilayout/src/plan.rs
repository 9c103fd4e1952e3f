// SPDX-License-Identifier: BSD-3-Clause
//! The planner (`struct pcl_plan_request`, docs/planner.md): a device and
//! the caller's wishes in, a [`Layout`] out, with the rule and reason of
//! every decision in its entries.
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use crate::cfg::Cfg;
use crate::ctx::Ctx;
use crate::error::{Diag, Error, Result};
use crate::layout::{Layout, Space};
use crate::sys;
use crate::util::cstring;

/// What the IOMMU reports for PASID (IOMMU_GET_HW_INFO).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IommuPasid {
    /// out_max_pasid_log2; 0 means no PASID support (the request is refused).
    pub max_width: u8,
    /// IOMMU_HW_CAP_PCI_PASID_EXEC.
    pub exec: bool,
    /// IOMMU_HW_CAP_PCI_PASID_PRIV.
    pub privileged: bool,
}

/// The serial of a virtual Device Serial Number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dsn {
    /// The PF's serial (the PF must be given and have a DSN).
    FromPf,
    /// This serial.
    Serial(u64),
}

/// Everything the planner is given. It borrows the device, its PF and any
/// layouts for `'a`, as plan.h requires ("everything given to a request by
/// pointer is borrowed").
pub struct PlanRequest<'a> {
    raw: NonNull<sys::pcl_plan_request>,
    ctx: Ctx,
    _borrows: PhantomData<&'a Cfg>,
}

// SAFETY (Send): the request is heap memory owned by this value; what it
// borrows (Cfg, Layout) is Sync, so using it from another thread is fine.
unsafe impl Send for PlanRequest<'_> {}
// SAFETY (Sync): pcl_plan() takes the request as const and plan.h says
// it is "not changed"; what it borrows is only read. Every setter takes
// &mut self.
unsafe impl Sync for PlanRequest<'_> {}

impl Drop for PlanRequest<'_> {
    fn drop(&mut self) {
        // SAFETY: owned; freed once.
        unsafe { sys::pcl_plan_request_free(self.raw.as_ptr()) }
    }
}

impl<'a> PlanRequest<'a> {
    /// A request to plan the guest view of `device`.
    pub fn new(ctx: &Ctx, device: &'a Cfg) -> Result<PlanRequest<'a>> {
        // SAFETY: no preconditions; NULL sets errno.
        let raw = NonNull::new(unsafe { sys::pcl_plan_request_new(ctx.raw()) }).ok_or_else(Error::last_os)?;
        let req = PlanRequest {
            raw,
            ctx: ctx.clone(),
            _borrows: PhantomData,
        };
        // SAFETY: `device` is borrowed for 'a, as long as the request.
        Error::check_ret(unsafe { sys::pcl_plan_request_set_cfg(req.raw.as_ptr(), device.raw(), ptr::null()) })?;
        Ok(req)
    }

    fn raw_mut(&mut self) -> *mut sys::pcl_plan_request {
        self.raw.as_ptr()
    }

    /// The device's PF, which makes it a VF for the planner: PASID
    /// parameters, "from-pf" serials and the PF's offsets come from it.
    pub fn pf(&mut self, pf: &'a Cfg) -> Result<()> {
        // SAFETY: `pf` is borrowed for 'a; &mut self: the request alone.
        Error::check_ret(unsafe { sys::pcl_plan_request_set_pf(self.raw_mut(), pf.raw()) }).map(drop)
    }

    /// A user layout: the base guest view.
    pub fn layout(&mut self, layout: &'a Layout) -> Result<()> {
        // SAFETY: as in pf().
        Error::check_ret(unsafe { sys::pcl_plan_request_set_layout(self.raw_mut(), layout.raw()) }).map(drop)
    }

    /// One more quirk (a layout of kind quirk).
    pub fn add_quirk(&mut self, quirk: &'a Layout) -> Result<()> {
        // SAFETY: as in pf().
        Error::check_ret(unsafe { sys::pcl_plan_request_add_quirk(self.raw_mut(), quirk.raw()) }).map(drop)
    }

    /// Request a virtual PASID capability. Its parameters come from the
    /// PF's PASID (a VF), the device's own (a PF) and, when given, the
    /// IOMMU: the smallest width, and only what every source allows.
    pub fn add_pasid(&mut self, iommu: Option<IommuPasid>) -> Result<()> {
        let mut p = sys::pcl_plan_pasid::default();
        if let Some(i) = iommu {
            p.flags = sys::PCL_PLAN_PASID_IOMMU;
            p.iommu_max_width = i.max_width;
            p.iommu_exec = u8::from(i.exec);
            p.iommu_priv = u8::from(i.privileged);
        }
        // SAFETY: the struct is copied.
        Error::check_ret(unsafe { sys::pcl_plan_request_add_pasid(self.raw_mut(), &p) }).map(drop)
    }

    /// Request a virtual Device Serial Number.
    pub fn add_dsn(&mut self, dsn: Dsn) -> Result<()> {
        let mut d = sys::pcl_plan_dsn::default();
        match dsn {
            Dsn::FromPf => d.from_pf = 1,
            Dsn::Serial(s) => d.serial = s,
        }
        // SAFETY: the struct is copied.
        Error::check_ret(unsafe { sys::pcl_plan_request_add_dsn(self.raw_mut(), &d) }).map(drop)
    }

    /// Place capability (`space`, `id`) - a requested virtual one or a
    /// physical one to move - at guest offset `at`.
    pub fn place(&mut self, space: Space, id: u16, at: u32) -> Result<()> {
        // SAFETY: plain values.
        Error::check_ret(unsafe { sys::pcl_plan_request_place(self.raw_mut(), space.raw(), id, at) }).map(drop)
    }

    /// [`PlanRequest::place`] from "CAP@OFF", e.g. "pasid@0xff8".
    pub fn place_str(&mut self, text: &str) -> Result<()> {
        let t = cstring(text)?;
        let mut err = sys::pcl_error::default();
        // SAFETY: the string is valid for the call.
        let r = unsafe { sys::pcl_plan_request_place_string(self.raw_mut(), t.as_ptr(), &mut err) };
        Error::check(r, &err)
    }

    /// Hide (`space`, `id`) whatever the defaults say.
    pub fn hide(&mut self, space: Space, id: u16) -> Result<()> {
        // SAFETY: plain values.
        Error::check_ret(unsafe { sys::pcl_plan_request_hide(self.raw_mut(), space.raw(), id) }).map(drop)
    }

    /// Present (`space`, `id`) even if hidden by default.
    pub fn keep(&mut self, space: Space, id: u16) -> Result<()> {
        // SAFETY: plain values.
        Error::check_ret(unsafe { sys::pcl_plan_request_keep(self.raw_mut(), space.raw(), id) }).map(drop)
    }

    /// The VM's machine type, e.g. "pc-q35-10.1".
    pub fn machine(&mut self, machine: &str) -> Result<()> {
        let m = cstring(machine)?;
        // SAFETY: the string is copied.
        Error::check_ret(unsafe { sys::pcl_plan_request_set_machine(self.raw_mut(), m.as_ptr()) }).map(drop)
    }

    /// The name of the planned layout (default "VVVV-DDDD", "-vf" for a VF).
    pub fn name(&mut self, name: &str) -> Result<()> {
        let n = cstring(name)?;
        // SAFETY: the string is copied.
        Error::check_ret(unsafe { sys::pcl_plan_request_set_name(self.raw_mut(), n.as_ptr()) }).map(drop)
    }

    /// Compute the guest layout. On failure the error carries one record
    /// per reason (for a capability that cannot be placed: what each rule
    /// found).
    pub fn plan(&self) -> Result<Layout> {
        let diag = Diag::new()?;
        let mut layout = ptr::null_mut();
        // SAFETY: pcl_plan() only reads the request and what it borrows,
        // all alive for 'a; on success the layout is ours.
        let r = unsafe { sys::pcl_plan(self.raw.as_ptr(), &mut layout, diag.raw()) };
        diag.check(r)?;
        Layout::own(&self.ctx, layout)
    }
}
