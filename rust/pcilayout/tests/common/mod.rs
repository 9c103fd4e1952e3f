// SPDX-License-Identifier: BSD-3-Clause
//! Shared by the integration tests: fixture paths, errno values, and the
//! VF-with-a-virtual-PASID setup most tests start from.
#![allow(dead_code)]
use std::path::PathBuf;

use pcilayout::{Backend, Cfg, Ctx, Guest, GuestOptions, IommuPasid, Layout, PlanRequest, Vdev};

/// Linux errno values (asm-generic/errno-base.h).
pub const ENOENT: i32 = 2;
pub const EIO: i32 = 5;
pub const ENXIO: i32 = 6;
pub const EFAULT: i32 = 14;
pub const EINVAL: i32 = 22;

/// PASID: where the planner puts it on the fixture VF (the PF's offset,
/// tests/fixtures/plan/vf-pf.out), and its registers.
pub const PASID_AT: u32 = 0x1b0;
pub const PASID_CAP: u32 = PASID_AT + 4;
pub const PASID_CTRL: u32 = PASID_AT + 6;

/// A file of the C tests' fixtures (tests/fixtures/...).
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(rel)
}

/// The one function of a dump.
pub fn load_one(ctx: &Ctx, rel: &str) -> Cfg {
    let mut v = Cfg::load(ctx, fixture(rel)).expect("fixture loads");
    assert_eq!(v.len(), 1, "{} holds one function", rel);
    v.remove(0)
}

/// The fixture PF and its VF, the VF marked as such.
pub fn pf_vf(ctx: &Ctx) -> (Cfg, Cfg) {
    let pf = load_one(ctx, "plan/pf.lspci");
    let mut vf = load_one(ctx, "plan/vf.lspci");
    vf.set_pf(&pf).expect("pf.lspci is vf.lspci's PF");
    (pf, vf)
}

pub const IOMMU: IommuPasid = IommuPasid {
    max_width: 20,
    exec: true,
    privileged: false,
};

/// The VF's planned layout with a virtual PASID.
pub fn vf_pasid_layout(ctx: &Ctx, pf: &Cfg, vf: &Cfg) -> Layout {
    let mut req = PlanRequest::new(ctx, vf).unwrap();
    req.pf(pf).unwrap();
    req.add_pasid(Some(IOMMU)).unwrap();
    req.plan().expect("the VF's PASID can be planned")
}

/// The fixture VF and the guest view of its planned layout.
pub fn vf_guest(ctx: &Ctx) -> (Cfg, Guest) {
    let (pf, vf) = pf_vf(ctx);
    let layout = vf_pasid_layout(ctx, &pf, &vf);
    let guest = Guest::build(ctx, &layout, &vf, &GuestOptions::default()).unwrap();
    assert_eq!(guest.fingerprint(), layout.fingerprint().unwrap());
    (vf, guest)
}

/// That view and an engine running it over the simulated VF.
pub fn vf_engine(ctx: &Ctx) -> (Guest, Vdev<Backend>) {
    let (vf, guest) = vf_guest(ctx);
    let vdev = Vdev::new(&guest, Backend::sim(&vf).unwrap()).unwrap();
    (guest, vdev)
}

/// A unique scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pcilayout-rs-{}-{}", std::process::id(), name));
    std::fs::create_dir_all(&d).unwrap();
    d
}
