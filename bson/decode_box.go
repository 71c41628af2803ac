package bson

import "unsafe"

// Decoding into interfaces (D, M, A, any) boxes every value, and boxing a
// string, a float64 or a large integer allocates. Here those values are
// stored in slabs, slices that grow by doubling, and each interface points
// into a slab: a document of a hundred values costs a handful of
// allocations instead of a hundred.
//
// The interfaces are built from a type word and a pointer to a slab slot.
// The slot holds a value of exactly that type, is written once before the
// interface is made, and is never written again, so the interface behaves
// as if Go had boxed the value itself. The slab memory has the element
// type's pointer layout, which is what the garbage collector needs.

// slabs holds the slab slices of one decode call.
type slabs struct {
	strs  []string
	words []uint64 // int32, int64, float64 and DateTime values
	oids  []ObjectID
	docs  []D
	arrs  []A
}

const (
	firstSlab = 16
	maxSlab   = 512
)

func slabCap(old int) int {
	if old == 0 {
		return firstSlab
	}
	return min(2*old, maxSlab)
}

var (
	stringType   = typeWord("")
	int32Type    = typeWord(int32(0))
	int64Type    = typeWord(int64(0))
	float64Type  = typeWord(float64(0))
	dateTimeType = typeWord(DateTime(0))
	objectIDType = typeWord(ObjectID{})
	docType      = typeWord(D(nil))
	arrType      = typeWord(A(nil))
)

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// packEface returns the interface with the given type word and data pointer.
func packEface(typ, data unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, data
	return v
}

func (s *slabs) boxString(v string) any {
	if v == "" {
		return ""
	}
	if len(s.strs) == cap(s.strs) {
		s.strs = make([]string, 0, slabCap(cap(s.strs)))
	}
	s.strs = append(s.strs, v)
	return packEface(stringType, unsafe.Pointer(&s.strs[len(s.strs)-1]))
}

// word returns a fresh 8-byte slot.
func (s *slabs) word() unsafe.Pointer {
	if len(s.words) == cap(s.words) {
		s.words = make([]uint64, 0, slabCap(cap(s.words)))
	}
	s.words = s.words[:len(s.words)+1]
	return unsafe.Pointer(&s.words[len(s.words)-1])
}

func (s *slabs) boxInt32(v int32) any {
	if v >= 0 && v < 256 {
		return v // the runtime boxes small values without allocating
	}
	p := s.word()
	*(*int32)(p) = v
	return packEface(int32Type, p)
}

func (s *slabs) boxInt64(v int64) any {
	p := s.word()
	*(*int64)(p) = v
	return packEface(int64Type, p)
}

func (s *slabs) boxFloat64(v float64) any {
	p := s.word()
	*(*float64)(p) = v
	return packEface(float64Type, p)
}

func (s *slabs) boxDateTime(v DateTime) any {
	p := s.word()
	*(*DateTime)(p) = v
	return packEface(dateTimeType, p)
}

func (s *slabs) boxObjectID(v []byte) any {
	if len(s.oids) == cap(s.oids) {
		s.oids = make([]ObjectID, 0, slabCap(cap(s.oids)))
	}
	s.oids = append(s.oids, ObjectID(v))
	return packEface(objectIDType, unsafe.Pointer(&s.oids[len(s.oids)-1]))
}

func (s *slabs) boxD(v D) any {
	if v == nil {
		return D(nil)
	}
	if len(s.docs) == cap(s.docs) {
		s.docs = make([]D, 0, slabCap(cap(s.docs)))
	}
	s.docs = append(s.docs, v)
	return packEface(docType, unsafe.Pointer(&s.docs[len(s.docs)-1]))
}

func (s *slabs) boxA(v A) any {
	if v == nil {
		return A(nil)
	}
	if len(s.arrs) == cap(s.arrs) {
		s.arrs = make([]A, 0, slabCap(cap(s.arrs)))
	}
	s.arrs = append(s.arrs, v)
	return packEface(arrType, unsafe.Pointer(&s.arrs[len(s.arrs)-1]))
}
