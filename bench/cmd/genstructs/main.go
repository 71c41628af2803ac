// Command genstructs writes the typed structs of the DriverBench BSON
// documents (flat, deep and full from extended_bson.tgz) for package
// bsonbench.
//
// It walks each document once and builds one description of its shape: a
// struct per sub-document shape, a field per key, each with the natural Go
// type of its BSON type. From that description it writes one struct set that
// both drivers share when the document holds only plain Go types, and two
// otherwise (MotorX and OfficialX), which differ only in the package that
// provides the BSON-specific types (ObjectID, DateTime, Timestamp, Regex,
// CodeWithScope, MinKey, MaxKey, Binary).
//
// Usage (see the go:generate line in bsonbench/gen.go):
//
//	go run ../cmd/genstructs -o .
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/motor-go/motor/bench/internal/benchdata"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func main() {
	out := flag.String("o", ".", "output directory")
	pkg := flag.String("pkg", "bsonbench", "package name of the generated files")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("genstructs: ")

	docs, err := benchdata.ExtendedBSON()
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range docs {
		root := strings.ToUpper(d.Name[:1]) + d.Name[1:]
		m := &model{root: root}
		top, err := m.structOf(bson.Raw(d.BSON), "")
		if err != nil {
			log.Fatalf("%s: %v", d.Name, err)
		}
		m.order(top)
		if m.special {
			for _, drv := range []driver{motorDriver, officialDriver} {
				name := fmt.Sprintf("types_%s_%s.go", d.Name, drv.name)
				write(filepath.Join(*out, name), m.render(*pkg, d, drv))
			}
		} else {
			write(filepath.Join(*out, "types_"+d.Name+".go"), m.render(*pkg, d, sharedDriver))
		}
	}
}

func write(name string, src []byte) {
	formatted, err := format.Source(src)
	if err != nil {
		log.Fatalf("%s: %v\n%s", name, err, src)
	}
	if err := os.WriteFile(name, formatted, 0o644); err != nil {
		log.Fatal(err)
	}
}

// A driver says how to spell the types of one struct set.
type driver struct {
	name       string // file suffix; "" for the shared set
	prefix     string // type name prefix
	importPath string // package of the BSON-specific types; "" for none
}

var (
	sharedDriver   = driver{}
	motorDriver    = driver{name: "motor", prefix: "Motor", importPath: "github.com/motor-go/motor/bson"}
	officialDriver = driver{name: "official", prefix: "Official", importPath: "go.mongodb.org/mongo-driver/v2/bson"}
)

// goType is the type of one field in the description: either a Go type
// spelled the same for both drivers (plain), a type of the BSON package
// (special, spelled "bson."+special), a struct of the model, or a slice.
type goType struct {
	plain   string
	special string
	strct   *structDef
	elem    *goType
}

func (t goType) spell(d driver) string {
	switch {
	case t.elem != nil:
		return "[]" + t.elem.spell(d)
	case t.strct != nil:
		return d.prefix + t.strct.name
	case t.special != "":
		return "bson." + t.special
	}
	return t.plain
}

func (t goType) signature() string {
	switch {
	case t.elem != nil:
		return "[]" + t.elem.signature()
	case t.strct != nil:
		return "{" + t.strct.sig + "}"
	case t.special != "":
		return "bson." + t.special
	}
	return t.plain
}

type field struct {
	name string
	key  string
	typ  goType
}

type structDef struct {
	name   string
	path   string // where the shape was first seen
	fields []field
	sig    string
}

type model struct {
	root    string
	structs []*structDef
	special bool // some field needs the drivers' own types
}

// structOf returns the struct describing doc, reusing an earlier one of the
// same shape.
func (m *model) structOf(doc bson.Raw, path string) (*structDef, error) {
	elems, err := doc.Elements()
	if err != nil {
		return nil, err
	}
	s := &structDef{path: path}
	used := map[string]bool{}
	var sig strings.Builder
	for _, e := range elems {
		key := e.Key()
		sub := key
		if path != "" {
			sub = path + "." + key
		}
		t, err := m.typeOf(e.Value(), sub)
		if err != nil {
			return nil, err
		}
		name := fieldName(key)
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s%d", fieldName(key), i)
		}
		used[name] = true
		s.fields = append(s.fields, field{name: name, key: key, typ: t})
		fmt.Fprintf(&sig, "%q:%s;", key, t.signature())
	}
	s.sig = sig.String()
	for _, old := range m.structs {
		if old.sig == s.sig {
			return old, nil
		}
	}
	m.structs = append(m.structs, s)
	return s, nil
}

// order names the structs and lists them top-down: the document itself, then
// its sub-document shapes in the order a depth-first walk first meets them.
func (m *model) order(top *structDef) {
	m.structs = m.structs[:0]
	seen := map[*structDef]bool{}
	var walk func(s *structDef)
	walk = func(s *structDef) {
		if seen[s] {
			return
		}
		seen[s] = true
		if len(m.structs) == 0 {
			s.name = m.root
		} else {
			s.name = fmt.Sprintf("%sDoc%d", m.root, len(m.structs))
		}
		m.structs = append(m.structs, s)
		for _, f := range s.fields {
			t := f.typ
			for t.elem != nil {
				t = *t.elem
			}
			if t.strct != nil {
				walk(t.strct)
			}
		}
	}
	walk(top)
}

func (m *model) typeOf(v bson.RawValue, path string) (goType, error) {
	special := func(name string) (goType, error) {
		m.special = true
		return goType{special: name}, nil
	}
	switch v.Type {
	case bson.TypeDouble:
		return goType{plain: "float64"}, nil
	case bson.TypeString:
		return goType{plain: "string"}, nil
	case bson.TypeInt32:
		return goType{plain: "int32"}, nil
	case bson.TypeInt64:
		return goType{plain: "int64"}, nil
	case bson.TypeBoolean:
		return goType{plain: "bool"}, nil
	case bson.TypeEmbeddedDocument:
		doc := v.Document()
		if len(doc) == 5 { // {}: no fields to hold
			return goType{plain: "struct{}"}, nil
		}
		s, err := m.structOf(doc, path)
		if err != nil {
			return goType{}, err
		}
		return goType{strct: s}, nil
	case bson.TypeArray:
		vals, err := v.Array().Values()
		if err != nil {
			return goType{}, err
		}
		if len(vals) == 0 {
			return goType{}, fmt.Errorf("%s: empty array: element type unknown", path)
		}
		var elem goType
		for i, ev := range vals {
			t, err := m.typeOf(ev, fmt.Sprintf("%s.%d", path, i))
			if err != nil {
				return goType{}, err
			}
			if i > 0 && t.signature() != elem.signature() {
				return goType{}, fmt.Errorf("%s: array of mixed types %s and %s", path, elem.signature(), t.signature())
			}
			elem = t
		}
		return goType{elem: &elem}, nil
	case bson.TypeBinary:
		if sub, _ := v.Binary(); sub == 0 {
			return goType{plain: "[]byte"}, nil
		}
		return special("Binary")
	case bson.TypeObjectID:
		return special("ObjectID")
	case bson.TypeDateTime:
		return special("DateTime")
	case bson.TypeTimestamp:
		return special("Timestamp")
	case bson.TypeRegex:
		return special("Regex")
	case bson.TypeCodeWithScope:
		return special("CodeWithScope")
	case bson.TypeJavaScript:
		return special("JavaScript")
	case bson.TypeSymbol:
		return special("Symbol")
	case bson.TypeDecimal128:
		return special("Decimal128")
	case bson.TypeMinKey:
		return special("MinKey")
	case bson.TypeMaxKey:
		return special("MaxKey")
	}
	return goType{}, fmt.Errorf("%s: no Go type for BSON type %s", path, v.Type)
}

// fieldName turns a document key into an exported Go identifier.
func fieldName(key string) string {
	if key == "_id" {
		return "ID"
	}
	var b strings.Builder
	for _, r := range key {
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), "_0123456789")
	if s == "" {
		return "F"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (m *model) render(pkg string, doc benchdata.Doc, d driver) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by genstructs from %s_bson.json; DO NOT EDIT.\n\n", doc.Name)
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	if m.special {
		fmt.Fprintf(&b, "import %q\n\n", d.importPath)
	}
	for _, s := range m.structs {
		if s.path == "" {
			who := "both drivers"
			if d.name != "" {
				who = "the " + d.name + " driver"
			}
			fmt.Fprintf(&b, "// %s%s holds every key of the DriverBench %s document (%d bytes), for %s.\n",
				d.prefix, s.name, doc.Name, len(doc.BSON), who)
		} else {
			fmt.Fprintf(&b, "// %s%s is a sub-document of %s%s, first seen at %s.\n", d.prefix, s.name, d.prefix, m.root, s.path)
		}
		fmt.Fprintf(&b, "type %s%s struct {\n", d.prefix, s.name)
		for _, f := range s.fields {
			fmt.Fprintf(&b, "\t%s %s `bson:%q`\n", f.name, f.typ.spell(d), f.key)
		}
		b.WriteString("}\n\n")
	}
	return b.Bytes()
}
