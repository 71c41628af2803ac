package sim

import (
	"fmt"
	"math"
	"slices"

	"github.com/motor-go/motor/bson"
)

// GetMoreFailPointName is the name of the fail point that fails a getMore
// on a change stream cursor after the cursor is checked out, as the change
// streams specification tests use it. Unlike failCommand's, its errors get
// the ResumableChangeStreamError label when mongod would add it.
const GetMoreFailPointName = "failGetMoreAfterCursorCheckout"

// getMoreFailPoint is a member's failGetMoreAfterCursorCheckout fail point.
type getMoreFailPoint struct {
	mode    Mode
	code    int32
	left    int64
	entered int64
}

// resumableChangeStreamCodes are the codes whose errors mongod labels
// ResumableChangeStreamError on a change stream's getMore: the retryable
// ones and those of stale routing and read preference.
var resumableChangeStreamCodes = append(slices.Clone(retryableCodes), 63, 150, 133, 234, 13388)

// parseGetMoreFailPoint reads {configureFailPoint:
// "failGetMoreAfterCursorCheckout", mode, data: {errorCode}}.
func parseGetMoreFailPoint(cmd bson.Raw) (getMoreFailPoint, error) {
	var fp getMoreFailPoint
	mode, err := parseMode(cmd.Lookup("mode"))
	if err != nil {
		return fp, err
	}
	fp.mode, fp.left = mode, mode.n
	fp.code = 96 // OperationFailed, mongod's default
	if v := cmd.Lookup("data", "errorCode"); v.Type != 0 {
		n, ok := integer(v)
		if !ok || n <= 0 || n > math.MaxInt32 {
			return fp, fmt.Errorf("data.errorCode must be a positive int32")
		}
		fp.code = int32(n)
	}
	return fp, nil
}

// setGetMoreFailPoint configures the member's fail point and returns how
// many times the previous configuration fired.
func (m *member) setGetMoreFailPoint(fp getMoreFailPoint) int64 {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	var count int64
	if m.getMoreFP != nil {
		count = m.getMoreFP.entered
	}
	m.getMoreFP = &fp
	return count
}

// evalGetMoreFailPoint evaluates the fail point for a getMore on a change
// stream cursor and returns the error code if it fires.
func (m *member) evalGetMoreFailPoint() (int32, bool) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	fp := m.getMoreFP
	if fp == nil || !countDown(&fp.mode, &fp.left, &fp.entered) {
		return 0, false
	}
	return fp.code, true
}

// failGetMore fails a change stream's getMore with code, labelled as
// mongod labels it.
func (cn *conn) failGetMore(req *request, code int32) error {
	if !req.hasLabels && slices.Contains(resumableChangeStreamCodes, code) {
		req.labels, req.hasLabels = []string{"ResumableChangeStreamError"}, true
	}
	return cn.fail(req, code, "Failing getMore via 'failGetMoreAfterCursorCheckout' fail point")
}
