package topology

import (
	"testing"

	"github.com/motor-go/motor/internal/spectest"
)

func TestMaxStalenessSpec(t *testing.T) {
	walkJSON(t, spectest.Dir(t, "max-staleness"), func(t *testing.T, path string) {
		var f selFile
		spectest.Load(t, path, &f)
		runSelectionFile(t, &f)
	})
}
