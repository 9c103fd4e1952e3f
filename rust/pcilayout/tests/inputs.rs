// SPDX-License-Identifier: BSD-3-Clause
//! Cfg and Layout: sources, identity, SR-IOV marks, and errors that carry
//! the library's location records.
mod common;

use common::*;
use pcilayout::{Cfg, Ctx, Layout, LayoutKind, Space};

#[test]
fn version_is_dotted() {
    let v = pcilayout::version();
    let parts: Vec<_> = v.split('.').collect();
    assert_eq!(parts.len(), 3, "version {:?}", v);
    assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "version {:?}", v);
}

#[test]
fn cfg_from_bytes_decodes_identity() {
    let ctx = Ctx::new().unwrap();
    let mut b = [0u8; 64];
    b[..4].copy_from_slice(&[0x86, 0x80, 0xc9, 0x10]);
    b[0x08] = 0x01; // revision
    b[0x09..0x0c].copy_from_slice(&[0x00, 0x00, 0x02]); // class 0200
    let cfg = Cfg::from_bytes(&ctx, &b, "mem").unwrap();
    let id = cfg.identity();
    assert_eq!((id.vendor_id, id.device_id), (0x8086, 0x10c9));
    assert_eq!(id.class_code, 0x020000);
    assert_eq!(id.revision, 1);
    assert_eq!(id.pcie_type, None);
    assert!(!id.is_vf);
    assert_eq!(cfg.size(), 64);
    assert!(cfg.is_read(0, 64));
    assert!(!cfg.is_read(63, 2));
    assert_eq!(&cfg.data()[..4], &b[..4]);
    assert!(cfg.data()[64..].iter().all(|&x| x == 0));
    assert_eq!(cfg.source(), "mem");
    assert_eq!(cfg.slot(), None);
}

#[test]
fn cfg_bad_arguments_are_errors() {
    let ctx = Ctx::new().unwrap();
    assert_eq!(Cfg::from_bytes(&ctx, &[], "x").err().map(|e| e.errno()), Some(EINVAL));
    assert_eq!(Cfg::from_bytes(&ctx, &[0u8; 4097], "x").err().map(|e| e.errno()), Some(EINVAL));
    // A NUL inside a name cannot reach C.
    assert_eq!(Cfg::from_bytes(&ctx, &[0u8; 64], "a\0b").err().map(|e| e.errno()), Some(EINVAL));
}

#[test]
fn missing_file_names_the_file() {
    let ctx = Ctx::new().unwrap();
    let e = Cfg::load(&ctx, "/nonexistent/dev.lspci").err().unwrap();
    assert_eq!(e.errno(), ENOENT);
    assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    let r = e.record().expect("a record");
    assert_eq!(r.source(), "/nonexistent/dev.lspci");
    assert!(e.to_string().starts_with("/nonexistent/dev.lspci"), "{}", e);
}

#[test]
fn malformed_dump_error_has_its_line() {
    let ctx = Ctx::new().unwrap();
    let text = b"00:02.0 Ethernet controller: x\n00: 86 80 c9 10\n10: zz\n";
    let e = Cfg::parse(&ctx, text, "t.lspci").err().unwrap();
    assert_eq!(e.errno(), EINVAL);
    let r = e.record().unwrap();
    assert_eq!(r.source(), "t.lspci");
    assert_eq!(r.line(), Some(3));
    assert!(r.column().is_some());
    assert!(e.to_string().starts_with("t.lspci:3:"), "{}", e);
}

#[test]
fn dump_with_two_functions_gives_two_cfgs() {
    let ctx = Ctx::new().unwrap();
    let pf = std::fs::read(fixture("plan/pf.lspci")).unwrap();
    let vf = std::fs::read(fixture("plan/vf.lspci")).unwrap();
    let both = [pf, vf].concat();
    let cfgs = Cfg::parse(&ctx, &both, "both").unwrap();
    assert_eq!(cfgs.len(), 2);
    assert_eq!(cfgs[0].slot().as_deref(), Some("0000:01:00.0"));
    assert_eq!(cfgs[1].slot().as_deref(), Some("0000:01:00.1"));
    assert_eq!(cfgs[1].line(), 1 + cfgs[0].size() / 16 + 1);
}

#[test]
fn set_pf_makes_a_vf() {
    let ctx = Ctx::new().unwrap();
    let (pf, vf) = pf_vf(&ctx);
    assert!(!pf.identity().is_vf);
    assert!(vf.identity().is_vf);
    assert_eq!(vf.pf_slot().as_deref(), Some("0000:01:00.0"));
    // A function without SR-IOV cannot be a PF; the VF is left unchanged.
    let mut other = load_one(&ctx, "plan/vf.lspci");
    let e = other.set_pf(&vf).err().unwrap();
    assert_eq!(e.errno(), EINVAL);
    assert!(e.record().is_some());
    assert!(!other.identity().is_vf);
}

#[test]
fn layout_errors_are_all_listed_with_positions() {
    let ctx = Ctx::new().unwrap();
    let text = br#"{
  "pcilayout": 1,
  "name": "bad name!",
  "revision": 0,
  "standard": []
}
"#;
    let e = Layout::load_bytes(&ctx, text, "bad.json").err().unwrap();
    assert_eq!(e.errno(), EINVAL);
    assert!(e.records().len() >= 2, "{:?}", e.records());
    for r in e.records() {
        assert_eq!(r.source(), "bad.json");
        assert!(r.line().is_some(), "{:?}", r);
    }
    let lines: Vec<_> = e.records().iter().filter_map(|r| r.line()).collect();
    assert!(lines.contains(&3) && lines.contains(&4), "{:?}", lines);
    let e = Layout::load_bytes(&ctx, b"{ \"pcilayout\": 1,\n  oops }", "syn.json").err().unwrap();
    assert_eq!(e.record().and_then(|r| r.line()), Some(2));
}

#[test]
fn layout_round_trips_through_text_and_files() {
    let ctx = Ctx::new().unwrap();
    let (pf, vf) = pf_vf(&ctx);
    let planned = vf_pasid_layout(&ctx, &pf, &vf);
    assert_eq!(planned.kind(), LayoutKind::Layout);
    planned.validate().unwrap();
    let text = planned.to_canonical().unwrap();
    let again = Layout::load_bytes(&ctx, text.as_bytes(), "again").unwrap();
    assert_eq!(again.to_canonical().unwrap(), text);
    assert_eq!(again.fingerprint().unwrap(), planned.fingerprint().unwrap());
    assert_eq!(again.entries(Space::Extended), planned.entries(Space::Extended));

    let dir = scratch("roundtrip");
    let path = dir.join("vf.json");
    planned.save_file(&path).unwrap();
    let loaded = Layout::load_file(&ctx, &path).unwrap();
    assert_eq!(loaded.fingerprint().unwrap(), planned.fingerprint().unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn names_come_from_pci_ids_or_fall_back() {
    let ctx = Ctx::new().unwrap();
    // Not in any pci.ids: the fallback texts.
    assert_eq!(ctx.device_name(0x0bad, 0x1234), Err("Device 0bad:1234".to_string()));
    assert_eq!(ctx.class_name(0xfe0000), Err("Class fe00".to_string()));
    // In pci.ids (Debian's pci.ids package, which make check installs).
    if std::path::Path::new("/usr/share/misc/pci.ids").exists() {
        let n = ctx.device_name(0x8086, 0x10c9).expect("82576 is in pci.ids");
        assert!(n.starts_with("Intel Corporation "), "{}", n);
        assert_eq!(ctx.class_name(0x020000), Ok("Ethernet controller".to_string()));
    }
}
