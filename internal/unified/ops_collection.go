package unified

// collectionOps are the operations of collection entities. They call the
// CRUD API of motor.Collection as it lands; an operation not listed here
// fails the test that uses it.
var collectionOps = map[string]opFunc{}
