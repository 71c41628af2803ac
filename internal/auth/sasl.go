package auth

import (
	"context"
	"errors"

	"github.com/motor-go/motor/bson"
)

// saslClient is the client side of one SASL conversation.
type saslClient interface {
	// first returns the payload of saslStart.
	first() ([]byte, error)
	// next answers a server challenge; step names the reply it came in, and
	// errors it returns are wrapped by the caller.
	next(challenge []byte) ([]byte, error)
	// complete reports whether the client is satisfied: it has nothing more
	// to say, and the server has proved whatever it had to prove.
	complete() bool
}

// maxSASLSteps bounds a conversation against a server that never ends it.
// SCRAM needs at most three replies; PLAIN needs one.
const maxSASLSteps = 5

// saslStartDoc is the saslStart command. skipEmptyExchange asks the server
// to say done as soon as it has proved itself; db is added for hello's
// speculativeAuthenticate.
func saslStartDoc(mech string, payload []byte, skipEmptyExchange bool, db string) bson.D {
	d := bson.D{
		{Key: "saslStart", Value: int32(1)},
		{Key: "mechanism", Value: mech},
		{Key: "payload", Value: bson.Binary{Data: payload}},
	}
	if skipEmptyExchange {
		d = append(d, bson.E{Key: "options", Value: bson.D{{Key: "skipEmptyExchange", Value: true}}})
	}
	if db != "" {
		d = append(d, bson.E{Key: "db", Value: db})
	}
	return d
}

// saslReply is the part of a saslStart or saslContinue reply the
// conversation needs.
type saslReply struct {
	conversationID int32
	hasID          bool
	payload        []byte
	done           bool
}

func parseSASLReply(r bson.Raw) (saslReply, error) {
	var out saslReply
	if id, ok := r.Lookup("conversationId").AsInt64OK(); ok {
		out.conversationID, out.hasID = int32(id), true
	}
	done, ok := r.Lookup("done").BooleanOK()
	if !ok {
		return out, withDetail(ErrMalformedReply, "no boolean done field")
	}
	out.done = done
	switch v := r.Lookup("payload"); v.Type {
	case bson.TypeBinary:
		out.payload = v.Binary().Data
	case 0:
		// No payload: an empty challenge.
	default:
		return out, withDetail(ErrMalformedReply, "payload is not binary data")
	}
	return out, nil
}

// runSASL runs a SASL conversation for mech on the database source. spec
// is the server's reply to saslStart when hello carried it as
// speculativeAuthenticate; c.first has then already been called.
func runSASL(ctx context.Context, conn Runner, mech, source string, c saslClient, skipEmpty bool, spec bson.Raw) error {
	step := "speculativeAuthenticate"
	raw := spec
	if raw == nil {
		step = "saslStart"
		payload, err := c.first()
		if err != nil {
			return newError(mech, step, err)
		}
		cmd, err := encode(saslStartDoc(mech, payload, skipEmpty, ""))
		if err != nil {
			return newError(mech, step, err)
		}
		if raw, err = conn.RunCommand(ctx, source, cmd); err != nil {
			return newError(mech, step, err)
		}
	}
	for range maxSASLSteps {
		reply, err := parseSASLReply(raw)
		if err != nil {
			return newError(mech, step, err)
		}
		var out []byte
		wasComplete := c.complete()
		if !wasComplete {
			if out, err = c.next(reply.payload); err != nil {
				return newError(mech, step, err)
			}
		}
		if reply.done {
			if c.complete() {
				return nil
			}
			// The server declared success without proving itself.
			return newError(mech, step, withDetail(ErrServerSignature, "the server ended the conversation before proving it knows the password"))
		}
		if wasComplete {
			// The client had finished and sent its empty exchange (or, for
			// PLAIN, all it has); only done may follow.
			return newError(mech, step, withDetail(ErrMalformedReply, "the server did not end the conversation"))
		}
		if !reply.hasID {
			return newError(mech, step, withDetail(ErrMalformedReply, "no conversationId"))
		}
		step = "saslContinue"
		cmd, err := encode(bson.D{
			{Key: "saslContinue", Value: int32(1)},
			{Key: "conversationId", Value: reply.conversationID},
			{Key: "payload", Value: bson.Binary{Data: out}},
		})
		if err != nil {
			return newError(mech, step, err)
		}
		if raw, err = conn.RunCommand(ctx, source, cmd); err != nil {
			return newError(mech, step, err)
		}
	}
	return newError(mech, step, withDetail(ErrMalformedReply, "the server did not end the conversation"))
}

// encode marshals a command. Its error says nothing of the document, which
// may hold a payload.
func encode(cmd bson.D) ([]byte, error) {
	b, err := bson.Marshal(cmd)
	if err != nil {
		return nil, errors.New("cannot encode the command")
	}
	return b, nil
}
