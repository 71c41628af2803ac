package session

import (
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
)

func TestPoolLIFOAndExpiry(t *testing.T) {
	var p Pool
	now := time.Unix(1000, 0)
	timeout := 30 * time.Minute
	a := p.CheckOut(timeout, now)
	b := p.CheckOut(timeout, now)
	if string(a.ID) == string(b.ID) {
		t.Fatal("two new sessions share an id")
	}
	id := bson.Raw(a.ID).Lookup("id").Binary()
	if id.Subtype != bson.BinaryUUID || len(id.Data) != 16 || id.Data[6]>>4 != 4 {
		t.Fatalf("lsid %v is not a version 4 UUID", bson.Raw(a.ID))
	}
	a.LastUsed, b.LastUsed = now, now.Add(time.Second)
	p.CheckIn(a, timeout, now)
	p.CheckIn(b, timeout, now)
	if got := p.CheckOut(timeout, now); got != b {
		t.Error("not the most recently used session")
	}
	// A session with less than a minute left is not handed out.
	later := now.Add(timeout - 30*time.Second)
	if got := p.CheckOut(timeout, later); got == a {
		t.Error("an expiring session was handed out")
	}
	if p.Len() != 0 {
		t.Errorf("pool holds %d", p.Len())
	}
	// Dirty sessions are dropped on check-in.
	c := p.CheckOut(timeout, now)
	c.LastUsed, c.Dirty = now, true
	p.CheckIn(c, timeout, now)
	if p.Len() != 0 {
		t.Error("a dirty session was pooled")
	}
	d := p.CheckOut(timeout, now)
	d.LastUsed = now
	p.CheckIn(d, timeout, now)
	if ids := p.Drain(); len(ids) != 1 || string(ids[0]) != string(d.ID) || p.Len() != 0 {
		t.Errorf("Drain = %v", ids)
	}
}
