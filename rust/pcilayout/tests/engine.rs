// SPDX-License-Identifier: BSD-3-Clause
//! Plan -> guest view -> engine: a VF with a virtual PASID, served through
//! the library's simulated backend, a Rust backend, and no backend.
mod common;

use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use pcilayout::{
    Backend, Ctx, DeviceIo, Dsn, EntryKind, Generator, Guest, Hook, NoDevice, PlanRequest, Rule,
    Source, Space, Vdev, VdevEvent, CFG_SIZE,
};

#[test]
fn plan_places_the_vf_pasid_where_the_pf_has_it() {
    let ctx = Ctx::new().unwrap();
    let (pf, vf) = pf_vf(&ctx);
    let layout = vf_pasid_layout(&ctx, &pf, &vf);
    assert_eq!(layout.name().as_deref(), Some("1af4-10f4-vf"));
    let ext = layout.entries(Space::Extended);
    let pasid: Vec<_> = ext.iter().filter(|e| e.kind == EntryKind::Virtual).collect();
    assert_eq!(pasid.len(), 1, "{:?}", ext);
    let p = pasid[0];
    assert_eq!((p.id, p.at, p.name()), (0x1b, Some(PASID_AT), Some("pasid")));
    assert_eq!(
        p.generator,
        Generator::Pasid {
            max_width: 20,
            exec: true,
            privileged: false
        }
    );
    assert_eq!(p.rule, Some("gap"));
    let why = p.reason.as_deref().unwrap_or("");
    assert!(why.contains("the PF has its PASID at 0x1b0"), "{}", why);
    // ARI is hidden by default, as QEMU does.
    assert!(ext.iter().any(|e| e.kind == EntryKind::Hidden && e.name() == Some("ari") && e.at.is_none()));
}

#[test]
fn plan_refusals_say_why() {
    let ctx = Ctx::new().unwrap();
    let (pf, vf) = pf_vf(&ctx);
    // A VF alone: no PF and no IOMMU values, so no source for PASID.
    let lone = load_one(&ctx, "plan/vf.lspci");
    let mut req = PlanRequest::new(&ctx, &lone).unwrap();
    req.add_pasid(None).unwrap();
    let e = req.plan().err().unwrap();
    assert_eq!(e.errno(), EINVAL);
    assert!(e.records().iter().any(|r| r.message().contains("no source for the virtual PASID")), "{}", e);
    // An IOMMU without PASID support.
    let mut req = PlanRequest::new(&ctx, &vf).unwrap();
    req.pf(&pf).unwrap();
    req.add_pasid(Some(pcilayout::IommuPasid::default())).unwrap();
    let e = req.plan().err().unwrap();
    assert!(e.to_string().contains("no PASID support"), "{}", e);
    // A serial from a PF that has none... and a second PASID request.
    let mut req = PlanRequest::new(&ctx, &vf).unwrap();
    req.add_pasid(Some(IOMMU)).unwrap();
    assert_eq!(req.add_pasid(Some(IOMMU)).err().map(|e| e.errno()), Some(17 /* EEXIST */));
    req.add_dsn(Dsn::FromPf).unwrap();
    assert_eq!(req.plan().err().map(|e| e.errno()), Some(EINVAL));
}

/// Every byte the guest reads, in dwords.
fn read_all<B: pcilayout::VdevBackend>(v: &Vdev<B>) -> Vec<u8> {
    (0..CFG_SIZE as u32)
        .step_by(4)
        .flat_map(|off| v.read(off, 4).unwrap().to_le_bytes())
        .collect()
}

#[test]
fn engine_reads_are_the_guest_image() {
    let ctx = Ctx::new().unwrap();
    let (guest, vdev) = vf_engine(&ctx);
    assert_eq!(&read_all(&vdev)[..], &guest.image()[..]);
    // The virtual PASID: header, then the capability register built from
    // the PF (width 20, exec, priv) and the IOMMU (width 20, exec).
    assert_eq!(vdev.read(PASID_AT, 2).unwrap(), 0x1b);
    assert_eq!(vdev.read(PASID_CAP, 2).unwrap(), 20 << 8 | 1 << 1);
    assert_eq!(guest.rule(PASID_CAP).unwrap().source, Source::Shadow);
    assert!(vdev.backend().stats().reads > 0);
    assert_eq!(vdev.backend().stats().writes, 0);
}

#[test]
fn engine_refuses_bad_accesses() {
    let ctx = Ctx::new().unwrap();
    let (_, mut vdev) = vf_engine(&ctx);
    let before = vdev.backend().stats();
    assert_eq!(vdev.read(0, 3).err().map(|e| e.errno()), Some(EINVAL));
    assert_eq!(vdev.read(4094, 4).err().map(|e| e.errno()), Some(EFAULT));
    assert_eq!(vdev.write(4096, 1, 0).err().map(|e| e.errno()), Some(EFAULT));
    assert_eq!(vdev.backend().stats(), before);
}

#[test]
fn pasid_enable_is_emulated_and_reported() {
    let ctx = Ctx::new().unwrap();
    let (_, mut vdev) = vf_engine(&ctx);
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    vdev.set_notify(move |e| sink.lock().unwrap().push(*e));
    // Every bit: only Enable and Execute Permission Enable are writable
    // (the capability advertises exec, not priv).
    vdev.write(PASID_CTRL, 2, 0xffff).unwrap();
    assert_eq!(vdev.read(PASID_CTRL, 2).unwrap(), 0x3);
    let ev = events.lock().unwrap().clone();
    assert_eq!(
        ev,
        vec![VdevEvent {
            hook: Hook::Pasid,
            index: ev.first().map_or(0, |e| e.index),
            offset: PASID_CTRL,
            width: 2,
            old_value: 0,
            new_value: 0x3
        }]
    );
    // The same value again changes nothing, so no event.
    vdev.write(PASID_CTRL, 2, 0x3).unwrap();
    assert_eq!(events.lock().unwrap().len(), 1);
    assert_eq!(vdev.backend().stats().writes, 0, "a virtual capability never reaches the device");
    vdev.clear_notify();
    vdev.write(PASID_CTRL, 2, 0).unwrap();
    assert_eq!(events.lock().unwrap().len(), 1);
    vdev.write(PASID_CTRL, 2, 1).unwrap();
    vdev.reset();
    assert_eq!(vdev.read(PASID_CTRL, 2).unwrap(), 0);
}

#[test]
fn state_migrates_and_bad_blobs_change_nothing() {
    let ctx = Ctx::new().unwrap();
    let (guest, mut src) = vf_engine(&ctx);
    src.write(PASID_CTRL, 2, 1).unwrap();
    let blob = src.save().unwrap();
    assert_eq!(&blob[..8], b"PCLVDEV\0");
    let mut dst = Vdev::new(&guest, Backend::sim(&load_one(&ctx, "plan/vf.lspci")).unwrap()).unwrap();
    let mut bad = blob.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let e = dst.load(&bad).err().unwrap();
    assert_eq!(e.errno(), EINVAL);
    assert!(e.record().is_some());
    assert_eq!(dst.read(PASID_CTRL, 2).unwrap(), 0);
    dst.load(&blob).unwrap();
    assert_eq!(dst.read(PASID_CTRL, 2).unwrap(), 1);
    assert_eq!(dst.fingerprint(), src.fingerprint());
}

#[test]
fn no_backend_only_for_views_without_device_bytes() {
    let ctx = Ctx::new().unwrap();
    let (guest, _) = vf_engine(&ctx);
    let e = Vdev::new(&guest, NoDevice).err().unwrap();
    assert_eq!(e.errno(), EINVAL);
    assert!(e.record().is_some());

    // A view built by hand: a read-only ID and a writable shadow dword
    // with a hook on its low half.
    let mut g = Guest::new(&ctx).unwrap();
    g.set(0, 4, &Rule::new(Source::Const), Some(&[0xf4, 0x1a, 0x34, 0x12])).unwrap();
    let hook = g.add_hook(Hook::Command, 4, 2).unwrap();
    let mut rule = Rule::new(Source::Shadow);
    rule.wmask = 0xff;
    rule.hook = hook as u8 + 1;
    g.set(4, 2, &rule, None).unwrap();
    // A Const byte with a write mask is refused.
    let mut bad = Rule::new(Source::Const);
    bad.wmask = 1;
    assert_eq!(g.set(8, 1, &bad, None).err().map(|e| e.errno()), Some(EINVAL));
    assert_eq!(g.set(4095, 2, &Rule::new(Source::Const), None).err().map(|e| e.errno()), Some(EINVAL));
    let mut v = Vdev::new(&g, NoDevice).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    v.set_notify(move |e| s2.lock().unwrap().push((e.hook, e.new_value)));
    assert_eq!(v.read(0, 4).unwrap(), 0x1234_1af4);
    v.write(0, 4, 0).unwrap();
    v.write(4, 4, 0xaaaa_0506).unwrap();
    assert_eq!(v.read(0, 4).unwrap(), 0x1234_1af4);
    assert_eq!(v.read(4, 4).unwrap(), 0x0506);
    assert_eq!(*seen.lock().unwrap(), vec![(Hook::Command, 0x0506)]);
}

/// A VMM's own device access: the VF's bytes in memory, counting reads.
struct MemDevice {
    bytes: Vec<u8>,
    reads: AtomicU64,
    fail_at: Option<u32>,
    panic_at: Option<u32>,
}

impl DeviceIo for MemDevice {
    fn read(&self, off: u32, len: u32) -> io::Result<u32> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        if Some(off) == self.panic_at {
            panic!("device fell off the bus at {:#x}", off);
        }
        if Some(off) == self.fail_at {
            return Err(io::Error::from_raw_os_error(ENXIO));
        }
        let mut v = [0u8; 4];
        v[..len as usize].copy_from_slice(&self.bytes[off as usize..(off + len) as usize]);
        Ok(u32::from_le_bytes(v))
    }

    fn write(&mut self, off: u32, len: u32, val: u32) -> io::Result<()> {
        self.bytes[off as usize..(off + len) as usize].copy_from_slice(&val.to_le_bytes()[..len as usize]);
        Ok(())
    }
}

#[test]
fn rust_backend_serves_like_the_simulated_one() {
    let ctx = Ctx::new().unwrap();
    let (vf, guest) = vf_guest(&ctx);
    let mem = MemDevice {
        bytes: vf.data().to_vec(),
        reads: AtomicU64::new(0),
        fail_at: None,
        panic_at: None,
    };
    let mut v = Vdev::new(&guest, mem).unwrap();
    assert_eq!(&read_all(&v)[..], &guest.image()[..]);
    assert!(v.backend().reads.load(Ordering::Relaxed) > 0);
    // The command register is written through to the device.
    v.write(4, 2, 0x0006).unwrap();
    assert_eq!(&v.backend().bytes[4..6], &[0x06, 0x00]);

    // A failing device read fails the guest access with EIO.
    let status = 0x06;
    v.backend_mut().fail_at = Some(status);
    assert_eq!(v.read(status, 2).err().map(|e| e.errno()), Some(EIO));
    v.backend_mut().fail_at = None;
    // A panic in the backend comes back out of the engine call as the
    // same panic, and the engine stays usable.
    v.backend_mut().panic_at = Some(status);
    let p = panic::catch_unwind(AssertUnwindSafe(|| v.read(status, 2))).expect_err("the panic comes back");
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("fell off the bus at 0x6"), "{:?}", msg);
    v.backend_mut().panic_at = None;
    assert!(v.read(status, 2).is_ok());
}
