package unified

import (
	"bytes"
	"context"
	"fmt"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/gridfs"
)

// bucketEntity is a bucket entity: a GridFS bucket of package gridfs.
type bucketEntity struct {
	b *gridfs.Bucket
}

func (*bucketEntity) kind() string { return "bucket" }

func (*bucketEntity) ops() map[string]opFunc { return bucketOps }

// bucketOps are the operations of bucket entities (GridFS specification).
var bucketOps = map[string]opFunc{
	"upload":         bucketUpload,
	"uploadWithId":   bucketUpload,
	"download":       bucketDownload,
	"downloadByName": bucketDownloadByName,
	"delete":         bucketDelete,
	"deleteByName":   bucketDeleteByName,
	"rename":         bucketRename,
	"renameByName":   bucketRenameByName,
	"drop":           bucketDrop,
	"find":           bucketFind,
}

// newBucket creates a bucket entity on db from its bucketOptions.
func newBucket(db *motor.Database, opts bson.Raw) (*bucketEntity, error) {
	var o gridfs.BucketOptions
	for k, v := range opts.Elements() {
		switch k {
		case "bucketName":
			s, ok := v.StringValueOK()
			if !ok {
				return nil, fmt.Errorf("unified: bucketOptions: bucketName must be a string, not %s", show(v))
			}
			o.Name = s
		case "chunkSizeBytes":
			n, ok := v.AsInt64OK()
			if !ok || n <= 0 || n > 1<<31-1 {
				return nil, fmt.Errorf("unified: bucketOptions: chunkSizeBytes must be a positive 32-bit integer, not %s", show(v))
			}
			o.ChunkSize = int32(n)
		case "readConcern":
			rc, err := readConcernOf(v.Document())
			if err != nil {
				return nil, err
			}
			o.ReadConcern = rc
		case "writeConcern":
			wc, err := writeConcernOf(v.Document())
			if err != nil {
				return nil, err
			}
			o.WriteConcern = wc
		case "readPreference":
			rp, err := readPreferenceOf(v.Document())
			if err != nil {
				return nil, err
			}
			o.ReadPreference = &rp
		case "disableMD5":
			// Motor never computes MD5: the option is a no-op, as the
			// specification requires once MD5 support is gone.
			if _, ok := v.BooleanOK(); !ok {
				return nil, fmt.Errorf("unified: bucketOptions: disableMD5 must be a boolean, not %s", show(v))
			}
		default:
			// timeoutMS among them: Motor bounds operations with their
			// context and Config.Timeout.
			return nil, fmt.Errorf("unified: bucketOptions: unsupported option %q", k)
		}
	}
	return &bucketEntity{b: gridfs.NewBucket(db, o)}, nil
}

// bucketUpload runs upload and uploadWithId: the source's bytes through
// UploadFromStream(WithID). upload returns the new file's id.
func bucketUpload(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	withID := a.op == "uploadWithId"
	var id bson.RawValue
	var errs [8]error
	if withID {
		id, errs[0] = a.required("id")
	}
	filename, err := a.str("filename", true)
	errs[1] = err
	src, _, err := a.document("source", true)
	errs[2] = err
	var data []byte
	if err == nil {
		if data, err = hexBytesArg(src); err != nil {
			errs[3] = fmt.Errorf("unified: %s: source: %w", a.op, err)
		}
	}
	var o gridfs.UploadOptions
	o.ChunkSize, errs[4] = a.int32Arg("chunkSizeBytes")
	if md, ok, err := a.document("metadata", false); err != nil {
		errs[5] = err
	} else if ok {
		o.Metadata = md
	}
	// disableMD5 is a no-op: Motor never computes MD5.
	_, errs[6] = a.flag("disableMD5")
	errs[7] = a.noTimeoutMS()
	if err := firstErr(errs[:]...); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	b := e.(*bucketEntity).b
	if withID {
		return opResult{err: b.UploadFromStreamWithID(ctx, id, filename, bytes.NewReader(data), o)}, nil
	}
	oid, err := b.UploadFromStream(ctx, filename, bytes.NewReader(data), o)
	if err != nil {
		return opResult{err: err}, nil
	}
	return opResult{value: bson.RawValue{Type: bson.TypeObjectID, Value: oid[:]}}, nil
}

// hexBytesArg reads a {$$hexBytes: "..."} document.
func hexBytesArg(d bson.Raw) ([]byte, error) {
	if d.Len() != 1 || d.Lookup("$$hexBytes").Type == 0 {
		return nil, fmt.Errorf("want a {$$hexBytes: string} document, got %s", d)
	}
	return decodeHexBytes(d.Lookup("$$hexBytes"))
}

// downloaded is the result of a download: the file's bytes, as binary.
func downloaded(buf *bytes.Buffer, err error) opResult {
	if err != nil {
		return opResult{err: err}
	}
	v, err := bson.Marshal(bson.D{{Key: "v", Value: buf.Bytes()}})
	if err != nil {
		return opResult{err: err}
	}
	return opResult{value: bson.Raw(v).Lookup("v")}
}

func bucketDownload(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	id, err := a.required("id")
	if err == nil {
		err = a.noTimeoutMS()
	}
	if err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	var buf bytes.Buffer
	_, err = e.(*bucketEntity).b.DownloadToStream(ctx, id, &buf)
	return downloaded(&buf, err), nil
}

func bucketDownloadByName(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	filename, err1 := a.str("filename", true)
	rev, given, err2 := a.integer("revision", false)
	if err := firstErr(err1, err2, a.noTimeoutMS()); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	var opts []gridfs.DownloadByNameOptions
	if given {
		opts = append(opts, gridfs.DownloadByNameOptions{Revision: int(rev)})
	}
	var buf bytes.Buffer
	_, err := e.(*bucketEntity).b.DownloadToStreamByName(ctx, filename, &buf, opts...)
	return downloaded(&buf, err), nil
}

func bucketDelete(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	id, err := a.required("id")
	if err := firstErr(err, a.noTimeoutMS()); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*bucketEntity).b.Delete(ctx, id)}, nil
}

func bucketDeleteByName(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	filename, err := a.str("filename", true)
	if err := firstErr(err, a.noTimeoutMS()); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*bucketEntity).b.DeleteByName(ctx, filename)}, nil
}

func bucketRename(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	id, err1 := a.required("id")
	name, err2 := a.str("newFilename", true)
	if err := firstErr(err1, err2, a.noTimeoutMS()); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*bucketEntity).b.Rename(ctx, id, name)}, nil
}

func bucketRenameByName(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	filename, err1 := a.str("filename", true)
	name, err2 := a.str("newFilename", true)
	if err := firstErr(err1, err2, a.noTimeoutMS()); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*bucketEntity).b.RenameByName(ctx, filename, name)}, nil
}

func bucketDrop(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.noTimeoutMS(); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*bucketEntity).b.Drop(ctx)}, nil
}

// bucketFind runs find on the bucket and returns the files documents as
// stored.
func bucketFind(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	filter, err := a.filter()
	var o gridfs.FindOptions
	var errs [8]error
	errs[0] = err
	o.AllowDiskUse, errs[1] = a.optBool("allowDiskUse")
	o.BatchSize, errs[2] = a.int32Arg("batchSize")
	o.Limit, errs[3] = a.int32Arg("limit")
	o.MaxTime, errs[4] = a.millis("maxTimeMS")
	o.NoCursorTimeout, errs[5] = a.flag("noCursorTimeout")
	o.Skip, errs[6] = a.int32Arg("skip")
	o.Sort, errs[7] = a.doc("sort")
	if err := firstErr(append(errs[:], a.noTimeoutMS())...); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	c, err := e.(*bucketEntity).b.Find(ctx, filter, o)
	return drain(ctx, c, err, func(f gridfs.File) (bson.Raw, error) { return f.Raw, nil }), nil
}
