//! Where a preflight reads from: a seekable async reader or an object in a
//! store (ranged reads). Both read only the byte ranges asked for and count
//! them, so a preflight can say how much of a file it read.

use std::io::SeekFrom;

use object_store::{ObjectStore, ObjectStoreExt, path::Path};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt};

use crate::Error;

/// Random access to a file of known length.
pub(crate) trait Source {
    /// The file's length in bytes.
    fn len(&self) -> u64;

    /// How many bytes were read so far.
    fn bytes_read(&self) -> u64;

    /// Reads `len` bytes at `offset`; the range must lie within the file.
    async fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, Error>;
}

/// A [`Source`] over a seekable async reader.
pub(crate) struct ReaderSource<R> {
    reader: R,
    len: u64,
    position: Option<u64>,
    read: u64,
}

impl<R: AsyncRead + AsyncSeek + Unpin> ReaderSource<R> {
    /// Finds the reader's length by seeking to its end.
    pub(crate) async fn new(mut reader: R) -> Result<Self, Error> {
        let len = reader.seek(SeekFrom::End(0)).await.map_err(Error::Read)?;
        Ok(ReaderSource {
            reader,
            len,
            position: Some(len),
            read: 0,
        })
    }
}

impl<R: AsyncRead + AsyncSeek + Unpin> Source for ReaderSource<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn bytes_read(&self) -> u64 {
        self.read
    }

    async fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, Error> {
        if self.position != Some(offset) {
            self.position = None;
            self.reader
                .seek(SeekFrom::Start(offset))
                .await
                .map_err(Error::Read)?;
        }
        let mut buf = vec![0; len];
        self.reader
            .read_exact(&mut buf)
            .await
            .map_err(Error::Read)?;
        self.read += len as u64;
        self.position = Some(offset + len as u64);
        Ok(buf)
    }
}

/// A [`Source`] over one object of an object store, read with ranged GETs.
pub(crate) struct StoreSource<'a> {
    store: &'a dyn ObjectStore,
    path: Path,
    len: u64,
    read: u64,
}

impl<'a> StoreSource<'a> {
    /// Looks the object up (one HEAD request) to learn its length.
    pub(crate) async fn new(store: &'a dyn ObjectStore, path: Path) -> Result<Self, Error> {
        let meta = store
            .head(&path)
            .await
            .map_err(|e| Error::storage("read", path.as_ref(), e))?;
        Ok(StoreSource {
            store,
            path,
            len: meta.size,
            read: 0,
        })
    }
}

impl Source for StoreSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn bytes_read(&self) -> u64 {
        self.read
    }

    async fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, Error> {
        let bytes = self
            .store
            .get_range(&self.path, offset..offset + len as u64)
            .await
            .map_err(|e| Error::storage("read", self.path.as_ref(), e))?;
        self.read += bytes.len() as u64;
        if bytes.len() != len {
            return Err(Error::Read(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the object is shorter than its listed size",
            )));
        }
        Ok(bytes.to_vec())
    }
}
