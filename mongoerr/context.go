package mongoerr

import "context"

func contextDeadline() error { return context.DeadlineExceeded }
