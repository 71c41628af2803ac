package unified

import (
	"testing"

	"github.com/motor-go/motor/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
