package conn

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"

	"github.com/motor-go/motor/mongoerr"
)

// The error labels of the connection pool's backpressure (CMAP,
// "Backpressure-enabled"): a network error or timeout while a connection is
// being established, up to and including the hello, may be the server
// shedding load. Server discovery does not mark the server Unknown nor
// clear its pool for such an error.
const (
	LabelSystemOverloaded = "SystemOverloadedError"
	LabelRetryable        = "RetryableError"
)

// overloadLabels adds the backpressure labels to err, a *mongoerr.NetworkError
// met while establishing a connection (dial, TLS, hello), when it may come
// from an overloaded server: an I/O error or a timeout. Errors that no
// overload causes keep no label: a DNS failure, a TLS error that is not
// I/O (a certificate the driver refuses, an alert from the server), the
// server's reply to the hello, and a cancellation by the caller.
func overloadLabels(err error) error {
	var ne *mongoerr.NetworkError
	if !errors.As(err, &ne) || !mayBeOverload(ne.Err) {
		return err
	}
	for _, l := range []string{LabelSystemOverloaded, LabelRetryable} {
		if !slices.Contains(ne.Labels, l) {
			ne.Labels = append(ne.Labels, l)
		}
	}
	return err
}

// mayBeOverload reports whether the cause of a network error may be a
// server refusing or dropping connections under load.
func mayBeOverload(err error) bool {
	var dns *net.DNSError
	var se *mongoerr.ServerError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.As(err, &dns), errors.As(err, &se):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}
