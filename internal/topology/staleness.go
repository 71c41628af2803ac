package topology

import "time"

// Staleness estimates how far the secondary s lags behind, by the Max
// Staleness specification, in a replica set description d whose servers
// are checked every heartbeat:
//
//	with a primary P:  (S.lastUpdateTime - S.lastWriteDate) - (P.lastUpdateTime - P.lastWriteDate) + heartbeat
//	without:           SMax.lastWriteDate - S.lastWriteDate + heartbeat
//
// where SMax is the secondary with the greatest lastWriteDate. Servers
// other than secondaries have no staleness (0). The estimate may be
// negative.
func Staleness(d *Description, s *ServerDescription, heartbeat time.Duration) time.Duration {
	if s.Kind != RSSecondary {
		return 0
	}
	if p := d.primary(); p != nil {
		return s.LastUpdateTime.Sub(s.LastWriteDate) - p.LastUpdateTime.Sub(p.LastWriteDate) + heartbeat
	}
	var latest time.Time
	found := false
	for i := range d.Servers {
		if sd := &d.Servers[i]; sd.Kind == RSSecondary && (!found || sd.LastWriteDate.After(latest)) {
			latest, found = sd.LastWriteDate, true
		}
	}
	return latest.Sub(s.LastWriteDate) + heartbeat
}

// primary returns the primary of d, nil when there is none.
func (d *Description) primary() *ServerDescription {
	for i := range d.Servers {
		if d.Servers[i].Kind == RSPrimary {
			return &d.Servers[i]
		}
	}
	return nil
}

// filterStale keeps the candidates whose staleness is at most the read
// preference's maximum, when it sets a positive one.
func filterStale(d *Description, candidates []*ServerDescription, rp *ReadPref, heartbeat time.Duration) []*ServerDescription {
	if !rp.HasMaxStaleness || rp.MaxStaleness <= 0 {
		return candidates
	}
	out := candidates[:0]
	for _, sd := range candidates {
		if Staleness(d, sd, heartbeat) <= rp.MaxStaleness {
			out = append(out, sd)
		}
	}
	return out
}

// filterTags keeps the candidates that match the first tag set matching
// any of them; none when no set matches. No tag set keeps all.
func filterTags(candidates []*ServerDescription, sets []TagSet) []*ServerDescription {
	if len(sets) == 0 {
		return candidates
	}
	for _, ts := range sets {
		var out []*ServerDescription
		for _, sd := range candidates {
			if ts.Matches(sd.Tags) {
				out = append(out, sd)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}
