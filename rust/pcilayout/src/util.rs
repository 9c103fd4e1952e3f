// SPDX-License-Identifier: BSD-3-Clause
//! Conversions between Rust and C strings shared by the modules.
use std::borrow::Cow;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::{Error, EINVAL};

extern "C" {
    /// The C library's free(3), for buffers the API documents as malloc'ed.
    pub(crate) fn free(ptr: *mut c_void);
}

/// `s` as a C string; a NUL inside it is EINVAL.
pub(crate) fn cstring(s: &str) -> Result<CString, Error> {
    CString::new(s).map_err(|_| Error::from_errno(EINVAL))
}

/// `p` as a C string (file names need not be UTF-8).
pub(crate) fn cpath(p: &Path) -> Result<CString, Error> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::from_errno(EINVAL))
}

/// The text of a NUL-terminated C string, or None for NULL.
///
/// # Safety
/// `p` is NULL or a valid C string that lives at least as long as `'a`.
pub(crate) unsafe fn cow<'a>(p: *const c_char) -> Option<Cow<'a, str>> {
    if p.is_null() {
        None
    } else {
        Some(CStr::from_ptr(p).to_string_lossy())
    }
}

/// A static C string of the library (names, versions) as `&str`.
///
/// # Safety
/// `p` is NULL or a static C string.
pub(crate) unsafe fn static_str(p: *const c_char) -> Option<&'static str> {
    if p.is_null() {
        None
    } else {
        CStr::from_ptr(p).to_str().ok()
    }
}

/// The text of a NUL-terminated C array (a struct field).
pub(crate) fn array_str(a: &[c_char]) -> Cow<'_, str> {
    // SAFETY: c_char and u8 have the same size and alignment.
    let bytes = unsafe { std::slice::from_raw_parts(a.as_ptr() as *const u8, a.len()) };
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
}
