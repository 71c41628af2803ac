package motor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// This file holds what the listing commands share: listIndexes,
// listCollections and listDatabases return few documents, so the driver
// reads all of them at once into a slice rather than handing out a cursor.

// listingKillTimeout bounds the killCursors sent when collecting a cursor's
// documents fails half way: it runs even when the caller's context has
// ended, and must not block for long.
const listingKillTimeout = 5 * time.Second

// drainListing runs cmd, a command that returns a cursor (listIndexes,
// listCollections), and returns every document of every batch. Later
// batches come from getMore commands sent to the server that ran cmd, with
// its session, and with batchSize and comment when they are set (nil for
// comment leaves it out). If it fails before the cursor is exhausted, it
// kills the cursor.
func drainListing(ctx context.Context, x *op.Executor, cmd *op.Command, batchSize int32, getMoreComment any) ([]bson.Raw, error) {
	cmd.KeepSession = true
	res, err := x.Run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	defer x.EndSession(res.Session)
	id, ns, batch, err := parseListingBatch(res.Reply, "firstBatch")
	if err != nil {
		return nil, fmt.Errorf("motor: %s: %w", cmd.Name, err)
	}
	docs := batch
	if id == 0 {
		return docs, nil
	}
	db, coll, ok := strings.Cut(ns, ".")
	if !ok || db == "" || coll == "" {
		return nil, fmt.Errorf("motor: %s: cursor namespace %q is not database.collection", cmd.Name, ns)
	}
	for id != 0 {
		getMore := bson.D{{Key: "getMore", Value: id}, {Key: "collection", Value: coll}}
		if batchSize > 0 {
			getMore = append(getMore, bson.E{Key: "batchSize", Value: batchSize})
		}
		if getMoreComment != nil {
			getMore = append(getMore, bson.E{Key: "comment", Value: getMoreComment})
		}
		body, err := bson.Marshal(getMore)
		if err != nil {
			killListing(ctx, x, db, coll, id, res)
			return nil, fmt.Errorf("motor: getMore: %w", err)
		}
		more, err := x.Run(ctx, &op.Command{Name: "getMore", DB: db, Body: body, Address: res.Address, Session: res.Session})
		if err != nil {
			killListing(ctx, x, db, coll, id, res)
			return nil, err
		}
		id, _, batch, err = parseListingBatch(more.Reply, "nextBatch")
		if err != nil {
			killListing(ctx, x, db, coll, id, res)
			return nil, fmt.Errorf("motor: getMore: %w", err)
		}
		docs = append(docs, batch...)
	}
	return docs, nil
}

// killListing asks the server that holds the cursor id to close it, within
// listingKillTimeout even if ctx has ended. Its outcome does not matter:
// the server closes idle cursors by itself in time.
func killListing(ctx context.Context, x *op.Executor, db, coll string, id int64, first op.Result) {
	if id == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), listingKillTimeout)
	defer cancel()
	body, err := bson.Marshal(bson.D{{Key: "killCursors", Value: coll}, {Key: "cursors", Value: bson.A{id}}})
	if err != nil {
		return
	}
	_, _ = x.Run(ctx, &op.Command{Name: "killCursors", DB: db, Body: body, Address: first.Address, Session: first.Session})
}

// parseListingBatch reads a cursor reply: {cursor: {id, ns, <batchKey>: [...]}}.
// The documents slice into reply.
func parseListingBatch(reply bson.Raw, batchKey string) (id int64, ns string, docs []bson.Raw, err error) {
	cur, ok := reply.Lookup("cursor").DocumentOK()
	if !ok {
		return 0, "", nil, fmt.Errorf("reply has no cursor document: %s", reply)
	}
	id, ok = cur.Lookup("id").AsInt64OK()
	if !ok {
		return 0, "", nil, fmt.Errorf("reply has no cursor id: %s", reply)
	}
	ns = cur.Lookup("ns").StringValue()
	arr, ok := cur.Lookup(batchKey).ArrayOK()
	if !ok {
		return id, ns, nil, fmt.Errorf("reply has no cursor.%s array", batchKey)
	}
	for _, v := range arr.Values() {
		doc, ok := v.DocumentOK()
		if !ok {
			return id, ns, nil, fmt.Errorf("cursor.%s holds a %v, not a document", batchKey, v.Type)
		}
		docs = append(docs, doc)
	}
	return id, ns, docs, nil
}
