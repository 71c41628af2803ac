package pool

import (
	"log/slog"

	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/logger"
)

// logMonitor returns the monitor that emits the CMAP log messages and then
// calls mon's callbacks, or mon itself when the connection component's
// level leaves out debug messages. The specification lets the messages be
// emitted by an event subscriber; this one sees every event, in the pool's
// order, asks the handler about each message (its level may change), and
// allocates nothing for a message the handler refuses.
func logMonitor(l *logger.Logger, mon *event.PoolMonitor) *event.PoolMonitor {
	if !l.On(logger.Connection, logger.LevelDebug) {
		return mon
	}
	if mon == nil {
		mon = &event.PoolMonitor{}
	}
	lm := &poolLog{l: l}
	return &event.PoolMonitor{
		PoolCreated: func(e event.PoolCreatedEvent) {
			o := e.Options
			lm.log(e.Address, "Connection pool created",
				slog.Int64("maxIdleTimeMS", o.MaxIdleTime.Milliseconds()),
				slog.Int("minPoolSize", o.MinPoolSize),
				slog.Int("maxPoolSize", o.MaxPoolSize),
				slog.Int("maxConnecting", o.MaxConnecting),
				slog.Int64("waitQueueTimeoutMS", o.WaitQueueTimeout.Milliseconds()))
			call(mon.PoolCreated, e)
		},
		PoolReady: func(e event.PoolReadyEvent) {
			lm.log(e.Address, "Connection pool ready")
			call(mon.PoolReady, e)
		},
		PoolCleared: func(e event.PoolClearedEvent) {
			if e.ServiceID != nil {
				lm.log(e.Address, "Connection pool cleared", slog.String("serviceId", e.ServiceID.Hex()))
			} else {
				lm.log(e.Address, "Connection pool cleared")
			}
			call(mon.PoolCleared, e)
		},
		PoolClosed: func(e event.PoolClosedEvent) {
			lm.log(e.Address, "Connection pool closed")
			call(mon.PoolClosed, e)
		},
		ConnectionCreated: func(e event.ConnectionCreatedEvent) {
			lm.log(e.Address, "Connection created", slog.Int64("driverConnectionId", e.ConnectionID))
			call(mon.ConnectionCreated, e)
		},
		ConnectionReady: func(e event.ConnectionReadyEvent) {
			lm.log(e.Address, "Connection ready", slog.Int64("driverConnectionId", e.ConnectionID), logger.Duration(e.Duration))
			call(mon.ConnectionReady, e)
		},
		ConnectionClosed: func(e event.ConnectionClosedEvent) {
			if !l.Enabled(logger.Connection, logger.LevelDebug) {
				call(mon.ConnectionClosed, e)
				return
			}
			attrs := []slog.Attr{slog.Int64("driverConnectionId", e.ConnectionID), slog.String("reason", closedReason(e.Reason))}
			if e.Reason == event.ReasonError && e.Error != nil {
				attrs = append(attrs, slog.String("error", l.Failure(e.Error)))
			}
			lm.log(e.Address, "Connection closed", attrs...)
			call(mon.ConnectionClosed, e)
		},
		ConnectionCheckOutStarted: func(e event.ConnectionCheckOutStartedEvent) {
			lm.log(e.Address, "Connection checkout started")
			call(mon.ConnectionCheckOutStarted, e)
		},
		ConnectionCheckOutFailed: func(e event.ConnectionCheckOutFailedEvent) {
			if !l.Enabled(logger.Connection, logger.LevelDebug) {
				call(mon.ConnectionCheckOutFailed, e)
				return
			}
			attrs := []slog.Attr{slog.String("reason", checkOutReason(e.Reason)), logger.Duration(e.Duration)}
			if e.Reason == event.CheckOutConnectionError && e.Error != nil {
				attrs = append(attrs, slog.String("error", l.Failure(e.Error)))
			}
			lm.log(e.Address, "Connection checkout failed", attrs...)
			call(mon.ConnectionCheckOutFailed, e)
		},
		ConnectionCheckedOut: func(e event.ConnectionCheckedOutEvent) {
			lm.log(e.Address, "Connection checked out", slog.Int64("driverConnectionId", e.ConnectionID), logger.Duration(e.Duration))
			call(mon.ConnectionCheckedOut, e)
		},
		ConnectionCheckedIn: func(e event.ConnectionCheckedInEvent) {
			lm.log(e.Address, "Connection checked in", slog.Int64("driverConnectionId", e.ConnectionID))
			call(mon.ConnectionCheckedIn, e)
		},
	}
}

// poolLog emits the messages of one pool.
type poolLog struct{ l *logger.Logger }

// log emits msg with the server's address and attrs, if the handler still
// wants debug messages.
func (pl *poolLog) log(addr, msg string, attrs ...slog.Attr) {
	if !pl.l.Enabled(logger.Connection, logger.LevelDebug) {
		return
	}
	all := logger.AppendServer(make([]slog.Attr, 0, len(attrs)+2), addr)
	pl.l.Log(logger.Connection, logger.LevelDebug, msg, append(all, attrs...)...)
}

// call calls f with e if f is set.
func call[E any](f func(E), e E) {
	if f != nil {
		f(e)
	}
}

// closedReason is the specification's text for why a connection closed.
func closedReason(r event.ConnectionClosedReason) string {
	switch r {
	case event.ReasonStale:
		return "Connection became stale because the pool was cleared"
	case event.ReasonIdle:
		return "Connection has been available but unused for longer than the configured max idle time"
	case event.ReasonError:
		return "An error occurred while using the connection"
	case event.ReasonPoolClosed:
		return "Connection pool was closed"
	}
	return string(r)
}

// checkOutReason is the specification's text for why a check-out failed.
func checkOutReason(r event.CheckOutFailedReason) string {
	switch r {
	case event.CheckOutTimeout:
		return "Wait queue timeout elapsed without a connection becoming available"
	case event.CheckOutConnectionError:
		return "An error occurred while trying to establish a new connection"
	case event.CheckOutPoolClosed:
		return "Connection pool was closed"
	}
	return string(r)
}
