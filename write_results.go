package motor

// The results of the write operations. Each has an Acknowledged field: it is
// false when the collection's write concern is w: 0, and then the server
// said nothing and the counts are zero; they do not mean nothing was
// written. The ids a result reports are the ones the driver sent (given, or
// generated), which the server confirmed by acknowledging the write.

// InsertOneResult is the result of InsertOne.
type InsertOneResult struct {
	// InsertedID is the document's _id: its own, or the ObjectID the
	// driver generated for it.
	InsertedID any
	// Acknowledged is false for a w: 0 write.
	Acknowledged bool
}

// InsertManyResult is the result of InsertMany.
type InsertManyResult struct {
	// InsertedIDs are the _id values of the documents inserted, in the
	// order of the documents given. When InsertMany fails part way, it
	// holds only those the server inserted.
	InsertedIDs []any
	// Acknowledged is false for a w: 0 write; InsertedIDs then holds the
	// ids of every document sent.
	Acknowledged bool
}

// UpdateResult is the result of UpdateOne, UpdateMany and ReplaceOne.
type UpdateResult struct {
	// MatchedCount is the number of documents the filter matched.
	MatchedCount int64
	// ModifiedCount is the number of documents changed (a document that
	// already had the new values is matched but not modified).
	ModifiedCount int64
	// UpsertedCount is 1 when the upsert inserted a document, else 0.
	UpsertedCount int64
	// UpsertedID is the _id of the inserted document, nil when none was
	// (UpsertedCount tells a null _id apart).
	UpsertedID any
	// Acknowledged is false for a w: 0 write.
	Acknowledged bool
}

// DeleteResult is the result of DeleteOne and DeleteMany.
type DeleteResult struct {
	// DeletedCount is the number of documents deleted.
	DeletedCount int64
	// Acknowledged is false for a w: 0 write.
	Acknowledged bool
}

// BulkWriteResult is the result of Collection.BulkWrite, and the partial
// result of InsertMany and BulkWrite in a BulkWriteException.
type BulkWriteResult struct {
	// InsertedCount, MatchedCount, ModifiedCount, DeletedCount and
	// UpsertedCount add up what each command's reply counted.
	InsertedCount int64
	MatchedCount  int64
	ModifiedCount int64
	DeletedCount  int64
	UpsertedCount int64
	// InsertedIDs maps the index of each insert the server carried out,
	// in the caller's list, to the document's _id.
	InsertedIDs map[int]any
	// UpsertedIDs maps the index of each update or replacement that
	// inserted a document to that document's _id.
	UpsertedIDs map[int]any
	// Acknowledged is false for a w: 0 write; only InsertedIDs is then
	// filled, with every insert sent.
	Acknowledged bool
}
