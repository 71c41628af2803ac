//go:build !race

package bson

// raceEnabled is true under the race detector, whose sync.Pool drops items
// at random, so that allocation counts of pooled paths vary.
const raceEnabled = false
