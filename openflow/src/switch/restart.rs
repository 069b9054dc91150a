//! A switch that failed and comes back: OpenFlow 1.3 keeps no flow state across a restart
//! (the flow tables live in the switch's memory; §6.3 has the controller rebuild them on the
//! new connection), so the restarted switch starts as a fresh one would.

use super::{FlowTable, PacketBuffers, Switch};

impl Switch {
    /// Restarts the switch: empty flow tables and packet buffers, `miss_send_len` and the
    /// configuration flags back to their defaults, nothing queued, no HELLO sent yet (call
    /// [`Switch::handle_connected`] when its new control connection is up). Ports keep their
    /// state (that of their links) and every counter keeps counting across the restart.
    pub fn restart(&mut self) {
        let c = &self.config;
        self.tables = (0..c.n_tables)
            .map(|t| FlowTable::new(t, c.max_entries_per_table))
            .collect();
        self.buffers = PacketBuffers::new(c.n_buffers as usize, c.buffer_timeout);
        self.miss_send_len = c.miss_send_len;
        self.config_flags = 0;
        self.hello_sent = false;
        self.outputs.clear();
        self.messages.clear();
        self.emits.clear();
        self.entry_lifetime = None;
    }
}
