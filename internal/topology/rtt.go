package topology

import (
	"math"
	"time"
)

// rttAlpha is the weight of a new sample in the average round trip time.
const rttAlpha = 0.2

// rttSamples is how many recent samples the minimum round trip time covers.
const rttSamples = 10

// RTTStats tracks the round trip times of one server's checks: the
// exponentially weighted moving average of the Server Selection
// specification (alpha 0.2), which selection's latency window uses, and the
// minimum of the last 10 samples that the Server Monitoring specification
// asks for. The zero value has no sample. A monitor keeps one per server and
// resets it when a check fails; it is not safe for concurrent use.
type RTTStats struct {
	avg     time.Duration
	hasAvg  bool
	samples [rttSamples]time.Duration
	n       int // samples recorded, up to rttSamples
	next    int // where the next sample goes
}

// NewRTTStats returns stats whose average starts at avg, as if earlier
// samples had produced it.
func NewRTTStats(avg time.Duration) RTTStats {
	return RTTStats{avg: avg, hasAvg: true}
}

// Add records a sample. A negative sample counts as 0. The first sample
// becomes the average; later ones move it by alpha.
func (s *RTTStats) Add(sample time.Duration) {
	sample = max(sample, 0)
	if s.hasAvg {
		s.avg = time.Duration(math.Round(rttAlpha*float64(sample) + (1-rttAlpha)*float64(s.avg)))
	} else {
		s.avg, s.hasAvg = sample, true
	}
	s.samples[s.next] = sample
	s.next = (s.next + 1) % rttSamples
	s.n = min(s.n+1, rttSamples)
}

// Average returns the average round trip time, and false before any sample.
func (s *RTTStats) Average() (time.Duration, bool) { return s.avg, s.hasAvg }

// Min returns the minimum of the last 10 samples, or 0 while there are
// fewer than 2.
func (s *RTTStats) Min() time.Duration {
	if s.n < 2 {
		return 0
	}
	m := s.samples[0]
	for _, v := range s.samples[1:s.n] {
		m = min(m, v)
	}
	return m
}

// Reset forgets every sample, as after a failed check: the next sample
// becomes the average again.
func (s *RTTStats) Reset() { *s = RTTStats{} }
