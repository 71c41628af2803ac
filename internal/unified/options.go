package unified

import (
	"fmt"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// This file converts the common options of the format (readConcern,
// readPreference, writeConcern) into Motor's types. An option Motor has no
// field for is an error, never dropped.

func readConcernOf(d bson.Raw) (*motor.ReadConcern, error) {
	rc := &motor.ReadConcern{}
	for k, v := range d.Elements() {
		switch k {
		case "level":
			s, ok := v.StringValueOK()
			if !ok {
				return nil, fmt.Errorf("unified: readConcern.level must be a string, not %s", show(v))
			}
			rc.Level = s
		default:
			return nil, fmt.Errorf("unified: readConcern: unsupported option %q", k)
		}
	}
	return rc, nil
}

func readPreferenceOf(d bson.Raw) (motor.ReadPreference, error) {
	var rp motor.ReadPreference
	for k, v := range d.Elements() {
		switch k {
		case "mode":
			s, ok := v.StringValueOK()
			if !ok {
				return rp, fmt.Errorf("unified: readPreference.mode must be a string, not %s", show(v))
			}
			rp.Mode = motor.ReadMode(s)
		case "tagSets":
			sets, ok := v.ArrayOK()
			if !ok {
				return rp, fmt.Errorf("unified: readPreference.tagSets must be an array, not %s", show(v))
			}
			for _, sv := range sets.Values() {
				sd, ok := sv.DocumentOK()
				if !ok {
					return rp, fmt.Errorf("unified: readPreference.tagSets items must be documents, not %s", show(sv))
				}
				var ts motor.TagSet
				for name, tv := range sd.Elements() {
					ts = append(ts, motor.Tag{Name: name, Value: tv.StringValue()})
				}
				rp.TagSets = append(rp.TagSets, ts)
			}
		case "maxStalenessSeconds":
			n, ok := v.AsInt64OK()
			if !ok {
				return rp, fmt.Errorf("unified: readPreference.maxStalenessSeconds must be an integer, not %s", show(v))
			}
			rp.MaxStaleness = time.Duration(n) * time.Second
		default:
			// hedge among others: Motor's ReadPreference has no field for it.
			return rp, fmt.Errorf("unified: readPreference: unsupported option %q", k)
		}
	}
	return rp, nil
}

func writeConcernOf(d bson.Raw) (*motor.WriteConcern, error) {
	wc := &motor.WriteConcern{}
	for k, v := range d.Elements() {
		switch k {
		case "w":
			if s, ok := v.StringValueOK(); ok {
				wc.W = motor.WTag(s)
			} else if n, ok := v.AsInt64OK(); ok {
				wc.W = motor.WNodes(int(n))
			} else {
				return nil, fmt.Errorf("unified: writeConcern.w must be a number or a string, not %s", show(v))
			}
		case "journal":
			b, ok := v.BooleanOK()
			if !ok {
				return nil, fmt.Errorf("unified: writeConcern.journal must be a boolean, not %s", show(v))
			}
			wc.Journal = &b
		case "wtimeoutMS":
			n, ok := v.AsInt64OK()
			if !ok {
				return nil, fmt.Errorf("unified: writeConcern.wtimeoutMS must be an integer, not %s", show(v))
			}
			wc.WTimeout = time.Duration(n) * time.Millisecond
		default:
			return nil, fmt.Errorf("unified: writeConcern: unsupported option %q", k)
		}
	}
	return wc, nil
}

// dbOptions applies a databaseOptions document.
func dbOptions(db *motor.Database, opts bson.Raw) (*motor.Database, error) {
	for k, v := range opts.Elements() {
		switch k {
		case "readConcern":
			rc, err := readConcernOf(v.Document())
			if err != nil {
				return nil, err
			}
			db = db.WithReadConcern(rc)
		case "writeConcern":
			wc, err := writeConcernOf(v.Document())
			if err != nil {
				return nil, err
			}
			db = db.WithWriteConcern(wc)
		case "readPreference":
			rp, err := readPreferenceOf(v.Document())
			if err != nil {
				return nil, err
			}
			if db, err = db.WithReadPreference(rp); err != nil {
				return nil, err
			}
		default:
			// timeoutMS: Motor has a client-wide Config.Timeout only.
			return nil, fmt.Errorf("unified: databaseOptions: unsupported option %q", k)
		}
	}
	return db, nil
}

// collOptions applies a collectionOptions document.
func collOptions[T any](c *motor.Collection[T], opts bson.Raw) (*motor.Collection[T], error) {
	for k, v := range opts.Elements() {
		switch k {
		case "readConcern":
			rc, err := readConcernOf(v.Document())
			if err != nil {
				return nil, err
			}
			c = c.WithReadConcern(rc)
		case "writeConcern":
			wc, err := writeConcernOf(v.Document())
			if err != nil {
				return nil, err
			}
			c = c.WithWriteConcern(wc)
		case "readPreference":
			rp, err := readPreferenceOf(v.Document())
			if err != nil {
				return nil, err
			}
			if c, err = c.WithReadPreference(rp); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unified: collectionOptions: unsupported option %q", k)
		}
	}
	return c, nil
}
