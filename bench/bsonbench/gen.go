// Package bsonbench compares Motor's bson package with the official driver's
// on the DriverBench BSON tasks: the flat, deep and full documents of
// extended_bson.tgz, encoded and decoded as generic documents (D, M) and as
// typed structs.
//
// The benchmarks are BenchmarkBSON/<doc>/<op>/<shape>/<driver>; the command
// bench/cmd/bsoncompare runs them and prints the comparison table of
// docs/benchmarks.md. The struct types are generated from the data by
// bench/cmd/genstructs.
package bsonbench

//go:generate go run ../cmd/genstructs -o .
