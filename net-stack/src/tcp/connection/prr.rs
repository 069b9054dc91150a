//! Proportional rate reduction (RFC 6937 §3), with the slow-start reduction bound (PRR-SSRB) as
//! Linux runs it (`tcp_cwnd_reduction`): during SACK recovery each ACK allows `sndcnt` bytes,
//! so that the data in flight falls smoothly from RecoverFS to ssthresh.

/// PRR state for one recovery episode (bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Prr {
    /// Bytes delivered to the receiver since recovery began (cumulatively and by SACK).
    pub delivered: u64,
    /// Bytes sent since recovery began.
    pub out: u64,
    /// FlightSize when recovery began.
    pub recover_fs: u64,
}

impl Prr {
    /// Recovery starts with `flight` bytes outstanding (RFC 6937 §3: RecoverFS = snd.nxt −
    /// snd.una).
    pub fn start(flight: u64) -> Self {
        Prr {
            delivered: 0,
            out: 0,
            recover_fs: flight.max(1),
        }
    }

    /// RFC 6937 §3 on an ACK that delivered `delivered` bytes, with `pipe` bytes in flight
    /// and the controller's `ssthresh`: the bytes this ACK allows to be sent (sndcnt).
    /// Above ssthresh the proportional part, CEIL(prr_delivered·ssthresh/RecoverFS) − prr_out;
    /// at or below it PRR-SSRB, min(ssthresh − pipe, max(prr_delivered − prr_out,
    /// DeliveredData) + SMSS).
    pub fn on_ack(&mut self, delivered: u64, pipe: u64, ssthresh: u64, smss: u64) -> u64 {
        self.delivered += delivered;
        let sndcnt = if pipe > ssthresh {
            (self.delivered * ssthresh).div_ceil(self.recover_fs) as i64 - self.out as i64
        } else {
            let limit =
                (self.delivered as i64 - self.out as i64).max(delivered as i64) + smss as i64;
            (ssthresh as i64 - pipe as i64).min(limit)
        };
        sndcnt.max(0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6937 §3's example: RecoverFS = 20 segments, ssthresh = 10 (Reno's halving), one
    /// segment lost. While pipe stays above ssthresh every ACK delivers one segment and PRR
    /// allows one segment every other ACK (half the delivery rate), so that 18 ACKs later
    /// pipe has fallen to ssthresh; then PRR-SSRB sends as much as is delivered, at most
    /// ssthresh − pipe, plus one segment of slow start.
    #[test]
    fn quota_per_ack_rfc_example() {
        let m = 1000u64;
        let mut p = Prr::start(20 * m);
        let mut pipe = 19 * m; // one segment lost
        let mut sent = vec![];
        for _ in 0..18 {
            pipe -= m; // one segment delivered
            let q = p.on_ack(m, pipe, 10 * m, m);
            let n = q.div_ceil(m); // whole segments
            p.out += n * m;
            pipe += n * m;
            sent.push(n);
        }
        assert_eq!(
            sent,
            [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1],
            "one segment per two ACKs; the 17th ACK finds pipe = ssthresh (SSRB: nothing), \
             the 18th pipe below it (SSRB: one)"
        );
        assert_eq!(p.out, 9 * m, "half of what was delivered");
        assert_eq!(pipe, 10 * m, "pipe reached ssthresh");
        // At ssthresh: SSRB. Two segments delivered by one ACK (pipe 8): ssthresh − pipe = 2,
        // max(prr_delivered − prr_out, 2) + 1 = 10 → 2.
        let q = p.on_ack(2 * m, 8 * m, 10 * m, m);
        assert_eq!(q, 2 * m, "back up to ssthresh, no further");
        // Far below ssthresh (pipe 2) after a big delivery: slow-start bound DeliveredData + 1.
        let mut p = Prr::start(20 * m);
        p.out = 30 * m; // prr_delivered − prr_out negative
        assert_eq!(
            p.on_ack(3 * m, 2 * m, 10 * m, m),
            4 * m,
            "DeliveredData + SMSS"
        );
    }
}
