//! Durable storage: an append-only, checksummed log of state changes, shared by the emulators'
//! stores (each provider's engine keeps its own log in its own directory).
//!
//! Why a log rather than, say, one file per object or a snapshot rewritten on every write:
//! appending one record and calling `fdatasync` is a single ordered disk write per
//! acknowledged change, the only place a crash can tear is the tail, and replaying the log
//! rebuilds exactly the state that was acknowledged. One-file-per-object needs a rename and a
//! directory fsync per write and leaves multi-file updates (a delete decided together with its
//! job) non-atomic; rewriting a snapshot is O(store) per write.
//!
//! Framing: each record is one line, `LLLLLLLL CCCCCCCC <json>\n`, where `L` is the JSON's byte
//! length and `C` its CRC-32 (IEEE), both as 8 hex digits. The JSON stays greppable; the length
//! and checksum let `open` tell a torn or partly-written last record (from a crash or
//! `kill -9` mid-append) from real data. Such a tail is cut off: it was never acknowledged,
//! because a write is acknowledged only after its record is synced. A bad record *followed by*
//! a good one cannot come from a torn append, so `open` refuses such a file instead of
//! silently dropping acknowledged data.
//!
//! After any failed append the log is poisoned and refuses further writes: after a failed
//! `fsync` the kernel may have dropped dirty pages, so the file's content is unknown and
//! appending more could bury a torn record in the middle. Restarting recovers from the file.
//!
//! Compaction (`rewrite`) writes the live state to a temporary file, syncs it, renames it over
//! the log and syncs the directory, so a crash at any point leaves either the old or the new log.
//! A `LOCK` file held with an advisory lock keeps two servers from sharing a directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

const LOG_NAME: &str = "repository.log";
const TMP_NAME: &str = "repository.log.tmp";
const LOCK_NAME: &str = "LOCK";
const HEADER_LEN: usize = 18; // "LLLLLLLL CCCCCCCC "
const MAX_RECORD: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is in use by another process")]
    Locked { path: PathBuf },
    #[error(
        "{path} is corrupt at byte {offset}: {reason} (valid records follow, so this is not a torn write; refusing to discard them)"
    )]
    Corrupt {
        path: PathBuf,
        offset: usize,
        reason: String,
    },
    #[error("the log refuses writes after an earlier storage failure; restart to recover")]
    Poisoned,
}

pub struct Wal {
    dir: PathBuf,
    file: File,
    poisoned: bool,
    records: usize,
    _lock: File,
}

/// What `open` found.
pub struct Replay<T> {
    pub records: Vec<T>,
    /// Bytes cut from a torn tail, if any.
    pub discarded_bytes: usize,
}

impl Wal {
    /// Opens (creating if needed) the log in `dir` and returns every intact record.
    pub fn open<T: DeserializeOwned>(dir: &Path) -> Result<(Wal, Replay<T>), WalError> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WalError::Io { path, source }
        };
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let lock_path = dir.join(LOCK_NAME);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        if lock.try_lock().is_err() {
            return Err(WalError::Locked { path: lock_path });
        }
        // An interrupted compaction never reached its rename: the old log is authoritative.
        let tmp = dir.join(TMP_NAME);
        if tmp.exists() {
            fs::remove_file(&tmp).map_err(io_err(&tmp))?;
        }
        let path = dir.join(LOG_NAME);
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        if !existed {
            sync_dir(dir).map_err(io_err(dir))?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_err(&path))?;
        let (records, valid_len) = parse(&bytes, &path)?;
        let discarded_bytes = bytes.len() - valid_len;
        if discarded_bytes > 0 {
            file.set_len(valid_len as u64).map_err(io_err(&path))?;
            file.sync_all().map_err(io_err(&path))?;
        }
        let count = records.len();
        Ok((
            Wal {
                dir: dir.to_path_buf(),
                file,
                poisoned: false,
                records: count,
                _lock: lock,
            },
            Replay {
                records,
                discarded_bytes,
            },
        ))
    }

    /// How many records the log holds (for deciding when to compact).
    pub fn record_count(&self) -> usize {
        self.records
    }

    /// Appends one record and syncs it to disk; only then may the write be acknowledged.
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        let line = frame(record).map_err(|e| self.io(io::Error::other(e)))?;
        let result = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.records += 1;
                Ok(())
            }
            Err(e) => {
                self.poisoned = true;
                Err(self.io(e))
            }
        }
    }

    /// Replaces the whole log with `records`, atomically (temp file, fsync, rename, dir fsync).
    pub fn rewrite<T: Serialize>(&mut self, records: &[T]) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        let tmp = self.dir.join(TMP_NAME);
        let path = self.dir.join(LOG_NAME);
        let result = (|| -> io::Result<File> {
            let mut out = File::create(&tmp)?;
            for record in records {
                out.write_all(&frame(record).map_err(io::Error::other)?)?;
            }
            out.sync_all()?;
            drop(out);
            fs::rename(&tmp, &path)?;
            sync_dir(&self.dir)?;
            OpenOptions::new().read(true).append(true).open(&path)
        })();
        match result {
            Ok(file) => {
                self.file = file;
                self.records = records.len();
                Ok(())
            }
            Err(e) => {
                self.poisoned = true;
                Err(self.io(e))
            }
        }
    }

    fn io(&self, source: io::Error) -> WalError {
        WalError::Io {
            path: self.dir.join(LOG_NAME),
            source,
        }
    }
}

fn frame<T: Serialize>(record: &T) -> Result<Vec<u8>, serde_json::Error> {
    let json = serde_json::to_vec(record)?;
    let mut line = format!("{:08x} {:08x} ", json.len(), crc32(&json)).into_bytes();
    line.extend_from_slice(&json);
    line.push(b'\n');
    Ok(line)
}

/// Decodes the record starting at `offset`; returns it and the offset after it.
fn record_at<T: DeserializeOwned>(bytes: &[u8], offset: usize) -> Result<(T, usize), String> {
    let header = bytes
        .get(offset..offset + HEADER_LEN)
        .ok_or("truncated header")?;
    let header = std::str::from_utf8(header).map_err(|_| "header is not text")?;
    let (len, crc) = (header.get(0..8), header.get(9..17));
    if header.as_bytes()[8] != b' ' || header.as_bytes()[17] != b' ' {
        return Err("malformed header".into());
    }
    let len = len
        .and_then(|l| usize::from_str_radix(l, 16).ok())
        .ok_or("malformed length")?;
    let crc = crc
        .and_then(|c| u32::from_str_radix(c, 16).ok())
        .ok_or("malformed checksum")?;
    if len > MAX_RECORD {
        return Err(format!("implausible record length {len}"));
    }
    let start = offset + HEADER_LEN;
    let json = bytes.get(start..start + len).ok_or("truncated record")?;
    if bytes.get(start + len) != Some(&b'\n') {
        return Err("record is not terminated".into());
    }
    if crc32(json) != crc {
        return Err("checksum mismatch".into());
    }
    let record = serde_json::from_slice(json).map_err(|e| format!("undecodable record: {e}"))?;
    Ok((record, start + len + 1))
}

/// Parses every record; returns them and the length of the intact prefix.
fn parse<T: DeserializeOwned>(bytes: &[u8], path: &Path) -> Result<(Vec<T>, usize), WalError> {
    let mut records = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        match record_at::<T>(bytes, offset) {
            Ok((record, next)) => {
                records.push(record);
                offset = next;
            }
            Err(reason) => {
                // A torn append only ever damages the last record. If an intact record starts
                // at any later line boundary, this damage is something else: refuse.
                let later_valid = bytes[offset..]
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .any(|(i, _)| record_at::<serde_json::Value>(bytes, offset + i + 1).is_ok());
                if later_valid {
                    return Err(WalError::Corrupt {
                        path: path.to_path_buf(),
                        offset,
                        reason,
                    });
                }
                return Ok((records, offset));
            }
        }
    }
    Ok((records, offset))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Directories can be opened and synced on Unix; elsewhere this is best effort.
    match File::open(dir) {
        Ok(handle) => match handle.sync_all() {
            Ok(()) => Ok(()),
            Err(_) if cfg!(not(unix)) => Ok(()),
            Err(e) => Err(e),
        },
        Err(_) if cfg!(not(unix)) => Ok(()),
        Err(e) => Err(e),
    }
}

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

/// CRC-32 (IEEE 802.3), as zlib computes it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc = CRC_TABLE[((crc ^ u32::from(*byte)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    fn open(dir: &Path) -> (Wal, Replay<Value>) {
        Wal::open(dir).expect("opens")
    }

    #[test]
    fn records_survive_reopen_and_torn_tails_are_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let (mut wal, replay) = open(dir.path());
            assert!(replay.records.is_empty());
            wal.append(&json!({"n": 1})).expect("append");
            wal.append(&json!({"n": 2})).expect("append");
        }
        let log = dir.path().join(LOG_NAME);
        let intact = fs::read(&log).expect("read");
        // Every possible torn third record is discarded and the first two survive.
        let third = frame(&json!({"n": 3, "pad": "xxxxxxxx"})).expect("frame");
        for cut in 0..third.len() {
            let mut bytes = intact.clone();
            bytes.extend_from_slice(&third[..cut]);
            fs::write(&log, &bytes).expect("write");
            let (_wal, replay) = open(dir.path());
            assert_eq!(
                replay.records,
                vec![json!({"n": 1}), json!({"n": 2})],
                "cut {cut}"
            );
            assert_eq!(replay.discarded_bytes, cut);
            assert_eq!(fs::read(&log).expect("read"), intact);
        }
    }

    #[test]
    fn damage_before_intact_records_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let (mut wal, _) = open(dir.path());
            for n in 0..3 {
                wal.append(&json!({"n": n})).expect("append");
            }
        }
        let log = dir.path().join(LOG_NAME);
        let mut bytes = fs::read(&log).expect("read");
        bytes[HEADER_LEN + 2] ^= 0x01; // flip a bit in the first record's JSON
        fs::write(&log, &bytes).expect("write");
        match Wal::open::<Value>(dir.path()) {
            Err(WalError::Corrupt { offset: 0, .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => panic!("opened a corrupt log"),
        }
    }

    #[test]
    fn a_second_opener_is_locked_out_and_rewrite_is_atomic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut wal, _) = open(dir.path());
        assert!(matches!(
            Wal::open::<Value>(dir.path()),
            Err(WalError::Locked { .. })
        ));
        wal.append(&json!(1)).expect("append");
        wal.append(&json!(2)).expect("append");
        wal.rewrite(&[json!(3)]).expect("rewrite");
        wal.append(&json!(4)).expect("append");
        drop(wal);
        let (_wal, replay) = open(dir.path());
        assert_eq!(replay.records, vec![json!(3), json!(4)]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever bytes a log holds after a valid prefix, opening never panics, and either
        /// keeps the prefix or refuses the file.
        #[test]
        fn opening_arbitrary_logs_never_panics(
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut bytes = frame(&json!({"n": 1})).expect("frame");
            bytes.extend_from_slice(&tail);
            fs::write(dir.path().join(LOG_NAME), &bytes).expect("write");
            match Wal::open::<Value>(dir.path()) {
                Ok((_, replay)) => proptest::prop_assert_eq!(&replay.records[0], &json!({"n": 1})),
                Err(WalError::Corrupt { .. }) => {}
                Err(other) => proptest::prop_assert!(false, "unexpected {}", other),
            }
        }
    }
}
