//! `[[vm]]` `disk`, `storage`, `disk_write_rate`, `context` (seed 003): the VM's disk and how
//! it migrates, checked here and carried as a [`vm::StorageConfig`].

use sim_core::ByteSize;
use toml::Spanned;

use super::Validator;

/// The four storage keys of one `[[vm]]`, as read.
pub(crate) struct StorageKeys {
    pub disk: Option<Spanned<ByteSize>>,
    pub storage: Option<Spanned<vm::Storage>>,
    pub disk_write_rate: Option<u64>,
    pub context: Option<Spanned<ByteSize>>,
}

impl Validator<'_> {
    /// The VM's disk, spanned by its `storage` key (else its `disk`, else its `context`); `None`
    /// when the VM gives none of the keys (no disk: today's migrations, byte for byte).
    pub(super) fn storage(
        &mut self,
        vm: &str,
        k: StorageKeys,
    ) -> Option<Spanned<vm::StorageConfig>> {
        let span = [
            k.storage.as_ref().map(Spanned::span),
            k.disk.as_ref().map(Spanned::span),
            k.context.as_ref().map(Spanned::span),
        ]
        .into_iter()
        .flatten()
        .next();
        let Some(span) = span else {
            if k.disk_write_rate.is_some() {
                // A write rate alone: a disk of size zero, shared; nothing moves.
                return Some(Spanned::new(0..0, vm::StorageConfig::default()));
            }
            return None;
        };
        let cfg = vm::StorageConfig {
            storage: k
                .storage
                .as_ref()
                .map_or_else(Default::default, |s| *s.get_ref()),
            disk: k.disk.as_ref().map_or(ByteSize(0), |d| *d.get_ref()),
            disk_write_rate: k.disk_write_rate.unwrap_or(0),
            context: k.context.as_ref().map_or(ByteSize(0), |c| *c.get_ref()),
        };
        if let (Some(c), vm::Storage::Shared) = (&k.context, cfg.storage)
            && c.get_ref().bytes() > 0
        {
            self.error(
                c.span(),
                format!("`context` of vm `{vm}` is sent only with `storage = \"copy\"`, and its storage is shared"),
                "needs storage = \"copy\"",
                Some("add `storage = \"copy\"`, or remove `context`: a shared disk moves no context (seed 003 Fig. 5)".into()),
            );
        }
        if let Some(d) = &k.disk
            && cfg.blocks() > vm::MAX_PAGES
        {
            self.error(
                d.span(),
                format!(
                    "`disk` of vm `{vm}` is {} blocks of {} bytes; a disk has at most {} (2^36) blocks",
                    cfg.blocks(),
                    vm::DISK_BLOCK_SIZE,
                    vm::MAX_PAGES
                ),
                "too many blocks",
                None,
            );
        }
        Some(Spanned::new(span, cfg))
    }
}
