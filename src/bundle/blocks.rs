//! Reading a bundle in blocks (issue 15, peak memory). The text is read a few MiB at a time.
//! Each block's complete objects are built on two threads while the next block is read, so the
//! whole text is never held. Reading the text whole held the file and the model at once: at
//! 1M + 1M the file (1.2 GB) was a sixth of the peak.
//!
//! This reader only cuts the document. It walks the top-level object and copies every value but
//! the two object lists into a small skeleton document, which the bundle reader reads as ever.
//! It finds where each element of `onPremises` and `cloud` starts and ends, following strings,
//! escapes and nesting and nothing else. Each element is then read on its own by the same
//! element reader as before, and every piece (skeleton and elements) is checked by serde_json,
//! so a document is taken only if it is one the whole-text reader takes, object for object.
//!
//! Whatever it cannot take for certain makes it give up: a document it cannot cut, an element
//! that fails, text that is not UTF-8, nesting deeper than the whole-text reader allows, a read
//! error. The caller then reads the text whole ([`super::read_bundle`]), so what is accepted,
//! and every error message, is what it always was.

use super::{Lists, RawBundle, read_str};
use crate::model::{CloudObject, OnPremObject};
use crate::shared::Shared;
use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

/// How much text is read at a time.
pub(super) const BLOCK: usize = 4 << 20;

/// Deepest nesting inside one element taken here. serde_json refuses a document nested deeper
/// than 128, and an element sits two levels down; deeper elements are left to the whole-text
/// reader, which decides.
const MAX_DEPTH: usize = 100;

/// What [`read`] made of the text.
pub(super) enum Blocks {
    /// The bundle, its object lists built block by block.
    Read(Box<RawBundle>),
    /// The text ended within the first block: here whole, for the whole-text reader.
    Whole(Vec<u8>),
    /// Not read this way (see the module's comment): read the text whole instead.
    GaveUp,
}

/// Reads `reader` (UTF-8 text) in blocks of `block` bytes (the tests cut small documents
/// everywhere with small blocks).
pub(super) fn read(reader: &mut dyn Read, block: usize) -> Blocks {
    let mut input = Input {
        reader,
        buf: Vec::new(),
        pos: 0,
        block,
        eof: false,
        broken: false,
    };
    input.fill();
    if input.broken {
        return Blocks::GaveUp;
    }
    if input.eof {
        return Blocks::Whole(input.buf);
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    // Two blocks wait while the workers build two: the text held is a few blocks.
    let (work, queue) = sync_channel::<Batch>(2);
    let queue = Mutex::new(queue);
    let (done_tx, done) = channel::<Built>();
    let read = std::thread::scope(|s| {
        let workers: Vec<_> = (0..workers)
            .map(|_| {
                let (queue, done_tx) = (&queue, done_tx.clone());
                s.spawn(move || build_batches(queue, done_tx))
            })
            .collect();
        drop(done_tx);
        let mut sink = Sink {
            work: Some(work),
            done: &done,
            spare: Vec::new(),
            lists: Vec::new(),
            failed: false,
            block,
        };
        let skeleton = input.walk(&mut sink);
        let lists = sink.finish();
        // Joined, not only waited for by the scope: the threads have ended, their thread-locals
        // freed, when the load returns (the fuzzer's leak check saw them still alive). A panic
        // there is a bug in the element reader: passed on as it is.
        for worker in workers {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        skeleton.zip(lists)
    });
    let Some((skeleton, (on_premises, cloud))) = read else {
        return Blocks::GaveUp;
    };
    let Ok(skeleton) = std::str::from_utf8(&skeleton) else {
        return Blocks::GaveUp;
    };
    match read_str(skeleton, Lists::Both) {
        Ok(mut raw) => {
            raw.on_premises = on_premises;
            raw.cloud = cloud;
            Blocks::Read(Box::new(raw))
        }
        Err(_) => Blocks::GaveUp,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    OnPremises,
    Cloud,
}

/// Complete elements of one list, cut from the text: `text[a..b]` for each `(a, b)`.
struct Batch {
    seq: usize,
    list: List,
    text: Vec<u8>,
    elements: Vec<(usize, usize)>,
}

/// A batch built: its objects (`None` if one failed), and its text for the next block.
struct Built {
    seq: usize,
    objects: Option<Objects>,
    text: Vec<u8>,
}

enum Objects {
    OnPremises(Vec<Shared<OnPremObject>>),
    Cloud(Vec<Shared<CloudObject>>),
}

/// A worker: builds batches until the queue closes.
fn build_batches(queue: &Mutex<Receiver<Batch>>, done: Sender<Built>) {
    loop {
        // The lock is held only to take a batch; a worker never panics while holding it.
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(batch) = next else { return };
        let objects = build(&batch);
        let built = Built {
            seq: batch.seq,
            objects,
            text: batch.text,
        };
        if done.send(built).is_err() {
            return;
        }
    }
}

fn build(batch: &Batch) -> Option<Objects> {
    let (first, last) = (batch.elements.first()?.0, batch.elements.last()?.1);
    // Cut at ASCII delimiters, so the batch is UTF-8 if every element is.
    let text = std::str::from_utf8(&batch.text[first..last]).ok()?;
    let elements = batch
        .elements
        .iter()
        .map(|&(a, b)| &text[a - first..b - first]);
    Some(match batch.list {
        List::OnPremises => Objects::OnPremises(read_each(elements)?),
        List::Cloud => Objects::Cloud(read_each(elements)?),
    })
}

/// Each element read on its own by the bundle's element reader; `None` if one fails.
fn read_each<'t, T: serde::de::DeserializeOwned>(
    elements: impl Iterator<Item = &'t str>,
) -> Option<Vec<T>> {
    elements.map(|e| serde_json::from_str(e).ok()).collect()
}

/// The on-prem objects and the cloud objects, in the text's order.
type ObjectLists = (Vec<Shared<OnPremObject>>, Vec<Shared<CloudObject>>);

/// Where cut elements go: the workers' queue, and the built lists coming back in any order.
struct Sink<'a> {
    work: Option<SyncSender<Batch>>,
    done: &'a Receiver<Built>,
    /// Texts of built batches, to read the next blocks into (no fresh pages per block).
    spare: Vec<Vec<u8>>,
    /// Each batch's objects by sequence number, once built.
    lists: Vec<Option<Objects>>,
    failed: bool,
    block: usize,
}

impl Sink<'_> {
    /// An empty buffer for the next block.
    fn buffer(&mut self) -> Vec<u8> {
        while let Ok(built) = self.done.try_recv() {
            self.take(built);
        }
        match self.spare.pop() {
            Some(mut text) => {
                text.clear();
                text
            }
            None => Vec::with_capacity(2 * self.block),
        }
    }

    fn take(&mut self, built: Built) {
        self.spare.push(built.text);
        match built.objects {
            Some(objects) => self.lists[built.seq] = Some(objects),
            None => self.failed = true,
        }
    }

    /// Queues a batch; `None` once a batch has failed (the load gives up).
    fn send(&mut self, list: List, text: Vec<u8>, elements: Vec<(usize, usize)>) -> Option<()> {
        if self.failed {
            return None;
        }
        let seq = self.lists.len();
        self.lists.push(None);
        let batch = Batch {
            seq,
            list,
            text,
            elements,
        };
        self.work.as_ref()?.send(batch).ok()
    }

    /// Waits for every batch, and puts each list's objects together in the text's order.
    fn finish(mut self) -> Option<ObjectLists> {
        drop(self.work.take());
        while let Ok(built) = self.done.recv() {
            self.take(built);
        }
        if self.failed {
            return None;
        }
        let (mut on_premises_len, mut cloud_len) = (0, 0);
        for objects in self.lists.iter().flatten() {
            match objects {
                Objects::OnPremises(v) => on_premises_len += v.len(),
                Objects::Cloud(v) => cloud_len += v.len(),
            }
        }
        let mut on_premises = Vec::with_capacity(on_premises_len);
        let mut cloud = Vec::with_capacity(cloud_len);
        for objects in self.lists {
            match objects? {
                Objects::OnPremises(v) => on_premises.extend(v),
                Objects::Cloud(v) => cloud.extend(v),
            }
        }
        Some((on_premises, cloud))
    }
}

/// The text not yet cut: `buf[pos..]`, refilled a block at a time.
struct Input<'r> {
    reader: &'r mut dyn Read,
    buf: Vec<u8>,
    pos: usize,
    block: usize,
    eof: bool,
    broken: bool,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl Input<'_> {
    /// Reads up to a block more, keeping `buf[pos..]` (moved to the front). `false` at the end
    /// of the text or on a read error (`broken`).
    fn fill(&mut self) -> bool {
        if self.eof || self.broken {
            return false;
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let before = self.buf.len();
        match (&mut *self.reader)
            .take(self.block as u64)
            .read_to_end(&mut self.buf)
        {
            Ok(n) => {
                self.eof = n < self.block;
                self.buf.len() > before
            }
            Err(_) => {
                self.broken = true;
                false
            }
        }
    }

    /// The next byte that is not whitespace, not consumed; `None` at the end or on an error.
    fn peek(&mut self) -> Option<u8> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                if !is_space(b) {
                    return Some(b);
                }
                self.pos += 1;
            }
            if !self.fill() {
                return None;
            }
        }
    }

    /// Consumes `b` as the next byte that is not whitespace.
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    /// The top-level object: every value but the object lists copied into the skeleton
    /// returned, the lists' elements cut into `sink`.
    fn walk(&mut self, sink: &mut Sink<'_>) -> Option<Vec<u8>> {
        let mut skeleton = Vec::new();
        self.expect(b'{')?;
        skeleton.push(b'{');
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                let key = self.piece(string_end_at)?;
                self.expect(b':')?;
                skeleton.extend_from_slice(&key);
                skeleton.push(b':');
                let list = match key_name(&key)?.as_ref() {
                    "onPremises" => Some(List::OnPremises),
                    "cloud" => Some(List::Cloud),
                    _ => None,
                };
                match list {
                    Some(list) if self.peek()? == b'[' => {
                        self.pos += 1;
                        skeleton.extend_from_slice(b"[]");
                        self.list(list, sink)?;
                    }
                    // `null`, or not a list: the skeleton reader takes it or says why not.
                    _ => skeleton.extend_from_slice(&self.piece(value_end)?),
                }
                match self.peek()? {
                    b',' => skeleton.push(b','),
                    b'}' => break,
                    _ => return None,
                }
                self.pos += 1;
            }
            self.pos += 1;
        }
        skeleton.push(b'}');
        // Only whitespace after the object.
        if self.peek().is_some() || self.broken {
            return None;
        }
        Some(skeleton)
    }

    /// The text `end` finds from the next byte that is not whitespace, consumed and returned.
    fn piece(&mut self, end: fn(&[u8], usize, &mut Progress) -> Scan) -> Option<Vec<u8>> {
        self.peek()?;
        let mut progress = Progress::default();
        loop {
            match end(&self.buf, self.pos, &mut progress) {
                Scan::End(e) => {
                    let piece = self.buf[self.pos..e].to_vec();
                    self.pos = e;
                    return Some(piece);
                }
                // The piece stays at `pos`: the scan goes on where it stopped.
                Scan::More if self.fill() => {}
                Scan::More | Scan::Bad => return None,
            }
        }
    }

    /// The elements of a list, after its `[`, cut into batches of a block or so.
    fn list(&mut self, list: List, sink: &mut Sink<'_>) -> Option<()> {
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        // How far the element at `at` was scanned: it goes on there after a new block.
        let mut progress = Progress::default();
        loop {
            let mut at = self.pos;
            let mut elements = Vec::new();
            let ended = loop {
                match value_end(&self.buf, at, &mut progress) {
                    Scan::End(e) => {
                        elements.push((at, e));
                        at = e + 1;
                        progress = Progress::default();
                        match self.buf[e] {
                            b',' => {}
                            b']' => break true,
                            _ => return None,
                        }
                    }
                    Scan::More => break false,
                    Scan::Bad => return None,
                }
            };
            if !elements.is_empty() {
                // The block goes to a worker; what follows its last element is read on from
                // a spare buffer.
                let mut rest = sink.buffer();
                rest.extend_from_slice(&self.buf[at..]);
                let text = std::mem::replace(&mut self.buf, rest);
                self.pos = 0;
                sink.send(list, text, elements)?;
            }
            if ended {
                return Some(());
            }
            if !self.fill() {
                return None;
            }
        }
    }
}

/// A key's name: its text unescaped (by serde_json when it holds an escape).
fn key_name(key: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let inner = key.get(1..key.len().checked_sub(1)?)?;
    if inner.contains(&b'\\') {
        serde_json::from_slice::<String>(key).ok().map(Into::into)
    } else {
        std::str::from_utf8(inner).ok().map(Into::into)
    }
}

/// Where a cut ends.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// At this index (exclusive).
    End(usize),
    /// Past the text read so far.
    More,
    /// Not taken here.
    Bad,
}

/// How far the scan of a value got before the text read so far ended: the next scan, with
/// more text after it, goes on from there instead of from the value's start (a value longer
/// than a block would be scanned again for every block).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Progress {
    /// Bytes scanned from the value's start.
    scanned: usize,
    /// Lists and objects open at that point.
    depth: usize,
    /// Inside a string at that point.
    in_string: bool,
}

/// The value from `from` (after any whitespace) ends at the `,`, `}` or `]` it is followed by at
/// its own level: `End` gives that delimiter's index. Strings are skipped whole, escapes and all.
fn value_end(b: &[u8], from: usize, p: &mut Progress) -> Scan {
    let mut i = from + p.scanned;
    if p.in_string {
        match string_end(b, i) {
            Ok(e) => {
                i = e;
                p.in_string = false;
            }
            Err(at) => {
                p.scanned = at - from;
                return Scan::More;
            }
        }
    }
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => match string_end(b, i + 1) {
                Ok(e) => {
                    i = e;
                    continue;
                }
                Err(at) => {
                    p.in_string = true;
                    p.scanned = at - from;
                    return Scan::More;
                }
            },
            b'{' | b'[' => {
                p.depth += 1;
                if p.depth > MAX_DEPTH {
                    return Scan::Bad;
                }
            }
            b'}' | b']' if p.depth == 0 => return Scan::End(i),
            b'}' | b']' => p.depth -= 1,
            b',' if p.depth == 0 => return Scan::End(i),
            _ => {}
        }
        i += 1;
    }
    p.scanned = i - from;
    Scan::More
}

/// A string starting at `from` (its opening quote), ending after its closing quote.
fn string_end_at(b: &[u8], from: usize, p: &mut Progress) -> Scan {
    if !p.in_string {
        match b.get(from) {
            Some(b'"') => {
                p.in_string = true;
                p.scanned = 1;
            }
            Some(_) => return Scan::Bad,
            None => return Scan::More,
        }
    }
    match string_end(b, from + p.scanned) {
        Ok(e) => Scan::End(e),
        Err(at) => {
            p.scanned = at - from;
            Scan::More
        }
    }
}

/// The index after the closing quote of a string whose text goes on from `i`; when the text
/// read so far ends first, where to go on from (an escape's backslash is scanned again with the
/// byte after it).
fn string_end(b: &[u8], mut i: usize) -> Result<usize, usize> {
    loop {
        let Some(k) = memchr::memchr2(b'"', b'\\', &b[i..]) else {
            return Err(b.len());
        };
        let k = i + k;
        if b[k] == b'"' {
            return Ok(k + 1);
        }
        if k + 1 >= b.len() {
            return Err(k);
        }
        // An escape: the next byte is never the string's end.
        i = k + 2;
    }
}

#[cfg(test)]
mod tests;
