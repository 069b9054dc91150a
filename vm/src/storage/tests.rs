//! Storage migration over the scripted [`FakeLink`]: the phases' exact times on an idle link,
//! dirty disk rounds and the residual, shared storage as the plain engine, and the checks.

use sim_core::{ByteSize, RngStreams, SimTime};

use super::{DISK_BLOCK_SIZE, Storage, StorageConfig};
use crate::config::{
    ConfigError, MigrationConfig, PostcopyConfig, PrecopyConfig, StopAndCopyConfig, VmConfig,
};
use crate::migration::{Migration, MigrationEvent};
use crate::test_link::{FakeLink, Outcome, run};

fn vm(pages: u64, rate: u64, state: u64) -> VmConfig {
    VmConfig {
        memory: ByteSize(pages * 4096),
        page_size: 4096,
        dirty_rate: rate,
        hot_fraction: 0.0,
        state: ByteSize(state),
        ..VmConfig::default()
    }
}

fn copy(disk: u64, rate: u64, context: u64) -> StorageConfig {
    StorageConfig {
        storage: Storage::Copy,
        disk: ByteSize(disk),
        disk_write_rate: rate,
        context: ByteSize(context),
    }
}

fn migrate(v: &VmConfig, algo: MigrationConfig, s: &StorageConfig, link: &FakeLink) -> Outcome {
    let streams = RngStreams::new(7);
    let m = Migration::with_storage(v, &algo, s, streams.stream("vm"), streams.stream("disk"))
        .expect("valid");
    run(m, link.clone())
}

/// Nothing dirtied, an idle link: the disk, the memory and the context follow each other,
/// each phase ending one RTT after its last byte left; the total is the serialisation time of
/// disk + memory + state + context plus three RTTs (disk round, memory round 0, final round
/// with the context), to the picosecond, and the stream carries exactly those bytes.
#[test]
fn idle_copy_is_disk_then_memory_then_context() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_us(100));
    let (disk, mem, state, ctx) = (64 << 20, 16 << 20, 1 << 20, 4 << 20);
    let v = vm(mem / 4096, 0, state);
    let o = migrate(&v, MigrationConfig::default(), &copy(disk, 0, ctx), &link);
    let tx = |b: u64| link.rate.tx_time(b);
    let r = &o.report;
    let s = r.storage.expect("a storage report");
    assert_eq!(s.storage, Storage::Copy);
    assert_eq!(s.disk_bytes, disk, "the whole disk once");
    assert_eq!(s.disk_rounds, 1, "nothing dirtied: one disk round");
    assert_eq!(s.disk_residual_bytes, 0);
    assert_eq!(s.memory_bytes, mem + state);
    assert_eq!(s.context_bytes, ctx);
    assert_eq!(r.bytes_written, disk + mem + state + ctx, "conservation");
    assert_eq!(r.bytes_sent, r.bytes_written);
    assert_eq!(s.disk_time, Some(tx(disk) + link.rtt));
    // The final round and the context are handed over at the same instant, so they reach the
    // transport as one write, and the fake link acknowledges whole writes: both phases end
    // at that write's acknowledgement. (Over TCP the cumulative ACKs split them.)
    assert_eq!(
        s.memory_time,
        Some(tx(mem) + link.rtt + tx(state + ctx) + link.rtt)
    );
    assert_eq!(s.context_time, Some(SimTime::ZERO));
    let total = tx(disk) + tx(mem) + tx(state + ctx) + link.rtt * 3;
    assert_eq!(r.total_time, Some(total));
    // The VM pauses after memory round 0 and resumes once the context is acknowledged.
    assert_eq!(r.downtime, Some(tx(state + ctx) + link.rtt));
    assert_eq!(
        r.rounds.len(),
        2,
        "memory rounds: round 0 and the final round"
    );
}

/// A guest writing its disk: round 0 is the whole disk, each later round the blocks written
/// during the one before (fewer and fewer on a fast link), the rounds stop by the threshold
/// rule, the blocks written during the memory phase go with the context, and every byte is
/// counted once in exactly one phase.
#[test]
fn dirty_disk_rounds_converge_and_residual_follows_memory() {
    let link = FakeLink::new(10_000_000_000, SimTime::from_us(50));
    let disk = 256 << 20;
    let v = vm(4096, 0, 1 << 20);
    let algo = MigrationConfig::Precopy(PrecopyConfig {
        stop_threshold: ByteSize(40 * DISK_BLOCK_SIZE),
        ..PrecopyConfig::default()
    });
    let o = migrate(&v, algo, &copy(disk, 2_000, 0), &link);
    let s = o.report.storage.expect("storage");
    assert!(s.disk_rounds >= 2, "a dirty disk needs more rounds: {s:?}");
    assert!(s.disk_rounds < 30, "and converges before the cap: {s:?}");
    assert!(s.disk_bytes > disk, "re-sent blocks: {s:?}");
    // The memory phase lasts ≈ 16 MiB / 10 Gbit/s + 2 RTT ≈ 13.6 ms; at 2 000 blocks/s the
    // guest dirties ≈ 27 blocks then, plus what the last disk round left (< 40 blocks).
    let residual_blocks = s.disk_residual_bytes / DISK_BLOCK_SIZE;
    assert!(
        (10..80).contains(&residual_blocks),
        "residual blocks {residual_blocks}"
    );
    assert_eq!(
        o.report.bytes_written,
        s.disk_bytes + s.memory_bytes + s.context_bytes,
        "conservation over the phases"
    );
    let t = |x: Option<SimTime>| x.expect("phase ended");
    assert_eq!(
        o.report.total_time,
        Some(t(s.disk_time) + t(s.memory_time) + t(s.context_time)),
        "the phases tile the migration"
    );
}

/// Shared storage sends no disk bytes: the events and the bytes are exactly those of the same
/// VM without a disk, and the report puts the whole migration in the memory phase.
#[test]
fn shared_storage_is_the_plain_engine() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_us(100));
    let v = vm(8192, 3_000, 1 << 20);
    let shared = StorageConfig {
        storage: Storage::Shared,
        disk: ByteSize(20 << 30),
        disk_write_rate: 500,
        context: ByteSize(0),
    };
    let with = migrate(&v, MigrationConfig::default(), &shared, &link);
    let plain = run(
        Migration::new(
            &v,
            &MigrationConfig::default(),
            RngStreams::new(7).stream("vm"),
        )
        .expect("valid"),
        link.clone(),
    );
    assert_eq!(with.events, plain.events);
    let s = with.report.storage.expect("storage");
    assert_eq!(s.disk_bytes, 0, "shared: no disk bytes");
    assert_eq!(s.disk, 20 << 30);
    assert_eq!(s.memory_bytes, plain.report.bytes_written);
    assert_eq!(s.memory_time, plain.report.total_time);
    let mut r = with.report.clone();
    r.storage = None;
    assert_eq!(r, plain.report);
}

/// Stop-and-copy with a copied disk: the disk phase is live, so the VM pauses only once the
/// disk is across, and the downtime is the memory, state and context only.
#[test]
fn stop_and_copy_pauses_after_the_disk() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_us(100));
    let v = vm(1024, 0, 4096);
    let algo = MigrationConfig::StopAndCopy(StopAndCopyConfig {
        resume_time: SimTime::from_ms(5),
    });
    let o = migrate(&v, algo, &copy(8 << 20, 0, 8192), &link);
    let tx = |b: u64| link.rate.tx_time(b);
    let paused = o
        .events
        .iter()
        .find_map(|e| match e {
            MigrationEvent::Paused { at } => Some(*at),
            _ => None,
        })
        .expect("paused");
    assert_eq!(paused, tx(8 << 20) + link.rtt);
    assert_eq!(
        o.report.downtime,
        Some(tx((4 << 20) + 4096 + 8192) + link.rtt + SimTime::from_ms(5)),
        "memory + state + context, one RTT, then the resume time"
    );
}

/// Bad combinations are refused with their own error, not a panic.
#[test]
fn checks() {
    let rng = || RngStreams::new(1).stream("x");
    let v = vm(16, 0, 0);
    let ctx_shared = StorageConfig {
        context: ByteSize(1),
        ..StorageConfig::default()
    };
    let e = Migration::with_storage(&v, &MigrationConfig::default(), &ctx_shared, rng(), rng());
    assert_eq!(e.err(), Some(ConfigError::ContextNeedsCopy));
    let post = MigrationConfig::Postcopy(PostcopyConfig::default());
    let e = Migration::with_storage(&v, &post, &copy(4096, 0, 0), rng(), rng());
    assert_eq!(e.err(), Some(ConfigError::CopyWithPostcopy));
    let huge = copy(4096 << 37, 0, 0);
    let e = Migration::with_storage(&v, &MigrationConfig::default(), &huge, rng(), rng());
    assert_eq!(e.err(), Some(ConfigError::TooManyBlocks(1 << 37)));
    // A shared disk with post-copy is fine: nothing of the disk moves.
    let shared = StorageConfig {
        disk: ByteSize(1 << 30),
        ..StorageConfig::default()
    };
    assert!(Migration::with_storage(&v, &post, &shared, rng(), rng()).is_ok());
}
