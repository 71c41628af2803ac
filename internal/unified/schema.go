package unified

import (
	"regexp"

	"github.com/motor-go/motor/bson"
)

// This file writes down the structure of a unified test file, definition by
// definition as the format's JSON schema (schema-1.28.json) has them, with
// the checks of validate.go. Validate applies it.

// Validate checks that doc, a whole test file, has the structure of the
// unified test format: required keys present, no unknown keys, values of
// the right types, sizes and enumerations. It returns a *ValidationError for
// the first problem found. It does not check the schemaVersion against the
// versions the runner supports; Load does.
func Validate(doc bson.Raw) error {
	return fileRule()("$", bson.RawValue{Type: bson.TypeDocument, Value: doc})
}

// fileRule is the top-level object. Error paths start at its root, "$".
func fileRule() rule {
	return fields(
		req("description", isString()),
		req("schemaVersion", isVersion()),
		opt("runOnRequirements", arrayOf(1, runOnRequirementRule())),
		opt("createEntities", arrayOf(1, entityRule())),
		opt("initialData", arrayOf(1, collectionDataRule())),
		req("tests", arrayOf(1, testRule())),
		opt("_yamlAnchors", isDocument()),
	)
}

var topologies = []string{"single", "replicaset", "sharded", "sharded-replicaset", "load-balanced"}

func runOnRequirementRule() rule {
	return object(shape{minKeys: 1, fields: []field{
		opt("maxServerVersion", isVersion()),
		opt("minServerVersion", isVersion()),
		opt("topologies", arrayOf(1, enum(topologies...))),
		opt("serverless", enum("require", "forbid", "allow")),
		opt("serverParameters", object(shape{minKeys: 1, extra: anyExtra})),
		opt("auth", isBool()),
		opt("authMechanism", isString()),
		opt("csfle", oneOf(isBool(), object(shape{minKeys: 1, fields: []field{
			opt("minLibmongocryptVersion", isVersion()),
		}}))),
	}})
}

func anyExtra(string, string, bson.RawValue) error { return nil }

// freeObject is an object with any keys ("type": "object" in the schema).
func freeObject() rule { return isDocument() }

// observableEvents are the values of a client's observeEvents. The
// specification's prose lists the three heartbeat events, which its schema
// leaves out; tests of the SDAM specification observe them.
var observableEvents = []string{
	"serverHeartbeatStartedEvent", "serverHeartbeatSucceededEvent", "serverHeartbeatFailedEvent",
	"commandStartedEvent", "commandSucceededEvent", "commandFailedEvent",
	"poolCreatedEvent", "poolReadyEvent", "poolClearedEvent", "poolClosedEvent",
	"connectionCreatedEvent", "connectionReadyEvent", "connectionClosedEvent",
	"connectionCheckOutStartedEvent", "connectionCheckOutFailedEvent",
	"connectionCheckedOutEvent", "connectionCheckedInEvent",
	"serverDescriptionChangedEvent", "topologyDescriptionChangedEvent",
	"topologyOpeningEvent", "topologyClosedEvent",
}

// storableEvents are the event names of storeEventsAsEntities.
var storableEvents = []string{
	"PoolCreatedEvent", "PoolReadyEvent", "PoolClearedEvent", "PoolClosedEvent",
	"ConnectionCreatedEvent", "ConnectionReadyEvent", "ConnectionClosedEvent",
	"ConnectionCheckOutStartedEvent", "ConnectionCheckOutFailedEvent",
	"ConnectionCheckedOutEvent", "ConnectionCheckedInEvent",
	"CommandStartedEvent", "CommandSucceededEvent", "CommandFailedEvent",
	"ServerDescriptionChangedEvent", "TopologyDescriptionChangedEvent",
}

var logSeverities = []string{"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "trace"}

func entityRule() rule {
	logLevel := enum(logSeverities...)
	return oneKeyOf(
		opt("client", fields(
			req("id", isString()),
			opt("uriOptions", freeObject()),
			opt("useMultipleMongoses", isBool()),
			opt("observeEvents", arrayOf(1, enum(observableEvents...))),
			opt("ignoreCommandMonitoringEvents", arrayOf(1, isString())),
			opt("storeEventsAsEntities", arrayOf(1, fields(
				req("id", isString()),
				req("events", arrayOf(1, enum(storableEvents...))),
			))),
			opt("observeLogMessages", object(shape{minKeys: 1, fields: []field{
				opt("command", logLevel), opt("topology", logLevel),
				opt("serverSelection", logLevel), opt("connection", logLevel),
			}})),
			opt("observeTracingMessages", fields(opt("enableCommandPayload", isBool()))),
			opt("serverApi", serverAPIRule()),
			opt("observeSensitiveCommands", isBool()),
			opt("autoEncryptOpts", fields(
				req("keyVaultNamespace", isString()),
				opt("bypassAutoEncryption", isBool()),
				req("kmsProviders", kmsProvidersRule()),
				opt("schemaMap", object(shape{extra: objectValues})),
				opt("extraOptions", freeObject()),
				opt("encryptedFieldsMap", object(shape{extra: objectValues})),
				opt("bypassQueryAnalysis", isBool()),
				opt("keyExpirationMS", isInteger()),
			)),
			opt("awaitMinPoolSizeMS", isInteger()),
		)),
		opt("clientEncryption", fields(
			req("id", isString()),
			req("clientEncryptionOpts", fields(
				req("keyVaultClient", isString()),
				req("keyVaultNamespace", isString()),
				req("kmsProviders", kmsProvidersRule()),
				opt("keyExpirationMS", isInteger()),
			)),
		)),
		opt("database", fields(
			req("id", isString()),
			req("client", isString()),
			req("databaseName", isString()),
			opt("databaseOptions", collectionOrDatabaseOptionsRule()),
		)),
		opt("collection", fields(
			req("id", isString()),
			req("database", isString()),
			req("collectionName", isString()),
			opt("collectionOptions", collectionOrDatabaseOptionsRule()),
		)),
		opt("session", fields(
			req("id", isString()),
			req("client", isString()),
			opt("sessionOptions", freeObject()),
		)),
		opt("bucket", fields(
			req("id", isString()),
			req("database", isString()),
			opt("bucketOptions", freeObject()),
		)),
		opt("thread", fields(req("id", isString()))),
	)
}

func objectValues(p, _ string, v bson.RawValue) error { return isDocument()(p, v) }

var kmsProviderName = regexp.MustCompile(`^(aws|azure|gcp|kmip|local)(:[a-zA-Z0-9_]+)?$`)

func kmsProvidersRule() rule {
	secret := oneOf(isString(), fields(req("$$placeholder", anything())))
	token := fields(req("accessToken", secret))
	providers := map[string]rule{
		"aws":   fields(opt("accessKeyId", secret), opt("secretAccessKey", secret), opt("sessionToken", secret)),
		"azure": oneOf(fields(opt("tenantId", secret), opt("clientId", secret), opt("clientSecret", secret), opt("identityPlatformEndpoint", secret)), token),
		"gcp":   oneOf(fields(opt("email", secret), opt("privateKey", secret), opt("endpoint", secret)), token),
		"kmip":  fields(opt("endpoint", secret)),
		"local": fields(opt("key", secret)),
	}
	return object(shape{extra: func(p, key string, v bson.RawValue) error {
		m := kmsProviderName.FindStringSubmatch(key)
		if m == nil {
			return invalid(p, "unknown KMS provider %q", key)
		}
		return providers[m[1]](p, v)
	}})
}

func serverAPIRule() rule {
	return fields(
		req("version", isString()),
		opt("strict", isBool()),
		opt("deprecationErrors", isBool()),
	)
}

func collectionOrDatabaseOptionsRule() rule {
	return fields(
		opt("readConcern", freeObject()),
		opt("readPreference", freeObject()),
		opt("writeConcern", freeObject()),
		opt("timeoutMS", isInteger()),
	)
}

func collectionDataRule() rule {
	return fields(
		req("collectionName", isString()),
		req("databaseName", isString()),
		opt("createOptions", object(shape{extra: func(p, key string, v bson.RawValue) error {
			if key == "writeConcern" {
				return invalid(p, "createOptions must not hold a writeConcern")
			}
			return nil
		}})),
		req("documents", arrayOf(0, isDocument())),
	)
}
