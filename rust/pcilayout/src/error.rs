// SPDX-License-Identifier: BSD-3-Clause
//! Errors: the errno a C function returned, with the `struct pcl_error`
//! records it filled (one, or a whole `struct pcl_diag` list).
use std::borrow::Cow;
use std::fmt;
use std::io;
use std::os::raw::c_char;
use std::ptr::NonNull;

use crate::sys;
use crate::util::array_str;

/// Linux's EINVAL (asm-generic/errno-base.h), for arguments the wrapper
/// itself refuses (a NUL inside a string, a length that does not fit).
pub(crate) const EINVAL: i32 = 22;
/// Linux's ENOMEM.
pub(crate) const ENOMEM: i32 = 12;
/// Linux's EIO.
pub(crate) const EIO: i32 = 5;

/// Result of the fallible calls of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Where and why an input was rejected: a copy of `struct pcl_error`.
#[derive(Clone)]
pub struct Record(sys::pcl_error);

impl Record {
    /// File name, `"<stdin>"`, a PCI address or `"<string>"`; `""` if none.
    pub fn source(&self) -> Cow<'_, str> {
        array_str(&self.0.source)
    }

    /// 1-based line in a text input, when the error has one.
    pub fn line(&self) -> Option<u32> {
        Some(self.0.line).filter(|&l| l != 0)
    }

    /// 1-based column in a text input, when the error has one.
    pub fn column(&self) -> Option<u32> {
        Some(self.0.column).filter(|&c| c != 0)
    }

    /// The config-space offset the error concerns, when it concerns one.
    pub fn offset(&self) -> Option<u32> {
        u32::try_from(self.0.offset).ok()
    }

    /// The message, without the location.
    pub fn message(&self) -> Cow<'_, str> {
        array_str(&self.0.message)
    }

    /// The raw record.
    pub fn as_raw(&self) -> &sys::pcl_error {
        &self.0
    }

    fn is_empty(&self) -> bool {
        self.0.message[0] == 0 && self.0.source[0] == 0
    }
}

impl fmt::Display for Record {
    /// "source:line:column: message", as `pcl_error_format()` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0 as c_char; 1024];
        // SAFETY: the record is a valid pcl_error; the buffer's size is
        // passed and the result is always NUL-terminated.
        unsafe { sys::pcl_error_format(&self.0, buf.as_mut_ptr(), buf.len()) };
        f.write_str(&array_str(&buf))
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("source", &self.source())
            .field("line", &self.line())
            .field("column", &self.column())
            .field("offset", &self.offset())
            .field("message", &self.message())
            .finish()
    }
}

/// A failed call: its errno (positive, e.g. 22 for EINVAL) and the records
/// the library filled to say where and why, first the main one.
#[derive(Clone, Debug)]
pub struct Error {
    errno: i32,
    records: Vec<Record>,
}

impl Error {
    /// The errno, positive: the C function returned its negation.
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// The std::io view of the errno (`ErrorKind::InvalidInput`, ...).
    pub fn kind(&self) -> io::ErrorKind {
        io::Error::from_raw_os_error(self.errno).kind()
    }

    /// The first record, when the library gave one.
    pub fn record(&self) -> Option<&Record> {
        self.records.first()
    }

    /// Every record: several when the call reports into a list (layout
    /// loading lists every error of a file; the planner one per rule).
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub(crate) fn from_errno(errno: i32) -> Error {
        Error {
            errno: if errno > 0 { errno } else { EIO },
            records: Vec::new(),
        }
    }

    /// The errno a NULL-returning constructor left.
    pub(crate) fn last_os() -> Error {
        Error::from_errno(io::Error::last_os_error().raw_os_error().unwrap_or(EIO))
    }

    /// `errno` with `rec` when the library filled it.
    pub(crate) fn with_record(errno: i32, rec: &sys::pcl_error) -> Error {
        let mut e = Error::from_errno(errno);
        let rec = Record(*rec);
        if !rec.is_empty() {
            e.records.push(rec);
        }
        e
    }

    /// The failure of a constructor that returned NULL: errno and `rec`.
    pub(crate) fn last_os_with(rec: &sys::pcl_error) -> Error {
        Error::with_record(Error::last_os().errno, rec)
    }

    /// `ret` (0 or a negative errno) as a Result, with `rec` when filled.
    pub(crate) fn check(ret: i32, rec: &sys::pcl_error) -> Result<()> {
        if ret >= 0 {
            Ok(())
        } else {
            Err(Error::with_record(-ret, rec))
        }
    }

    /// `ret` (0 or a negative errno) as a Result, with no record.
    pub(crate) fn check_ret(ret: i32) -> Result<i32> {
        if ret < 0 {
            Err(Error::from_errno(-ret))
        } else {
            Ok(ret)
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.records.first() {
            Some(r) => write!(f, "{}", r)?,
            None => write!(f, "{}", io::Error::from_raw_os_error(self.errno))?,
        }
        if self.records.len() > 1 {
            write!(f, " (and {} more)", self.records.len() - 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}

/// A `struct pcl_diag` list for one call, freed on drop.
pub(crate) struct Diag(NonNull<sys::pcl_diag>);

impl Diag {
    pub(crate) fn new() -> Result<Diag> {
        // SAFETY: no preconditions; NULL means ENOMEM.
        NonNull::new(unsafe { sys::pcl_diag_new() })
            .map(Diag)
            .ok_or_else(|| Error::from_errno(ENOMEM))
    }

    pub(crate) fn raw(&self) -> *mut sys::pcl_diag {
        self.0.as_ptr()
    }

    /// `ret` as a Result carrying every record of the list.
    pub(crate) fn check(&self, ret: i32) -> Result<()> {
        if ret >= 0 {
            return Ok(());
        }
        let mut e = Error::from_errno(-ret);
        // SAFETY: the list is valid; each record is copied before the
        // list is cleared or freed.
        unsafe {
            for i in 0..sys::pcl_diag_count(self.raw()) {
                if let Some(r) = sys::pcl_diag_get(self.raw(), i).as_ref() {
                    e.records.push(Record(*r));
                }
            }
        }
        Err(e)
    }
}

impl Drop for Diag {
    fn drop(&mut self) {
        // SAFETY: owned; freed once.
        unsafe { sys::pcl_diag_free(self.raw()) }
    }
}
