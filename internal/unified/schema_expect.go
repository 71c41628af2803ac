package unified

import "github.com/motor-go/motor/bson"

// The structure of tests, operations and expectations: the second half of
// the format's definitions (see schema.go).

func testRule() rule {
	return fields(
		req("description", isString()),
		opt("runOnRequirements", arrayOf(1, runOnRequirementRule())),
		opt("skipReason", isString()),
		req("operations", arrayOf(0, operationRule())),
		opt("expectEvents", arrayOf(1, expectedEventsForClientRule())),
		opt("expectLogMessages", arrayOf(1, expectedLogMessagesForClientRule())),
		// The specification's prose defines expectTracingMessages as one
		// object and its schema as an array of them; both are accepted.
		opt("expectTracingMessages", oneOf(arrayOf(1, tracingRule()), tracingRule())),
		opt("outcome", arrayOf(1, collectionDataRule())),
	)
}

func operationRule() rule {
	return object(shape{
		fields: []field{
			req("name", isString()),
			req("object", isString()),
			opt("arguments", freeObject()),
			opt("ignoreResultAndError", isBool()),
			opt("expectError", expectedErrorRule()),
			opt("expectResult", anything()),
			opt("saveResultAsEntity", isString()),
		},
		check: forbidTogether(
			[2]string{"expectError", "expectResult"},
			[2]string{"expectError", "saveResultAsEntity"},
			[2]string{"ignoreResultAndError", "expectResult"},
			[2]string{"ignoreResultAndError", "expectError"},
			[2]string{"ignoreResultAndError", "saveResultAsEntity"},
		),
	})
}

func expectedErrorRule() rule {
	labels := arrayOf(1, isString())
	return object(shape{minKeys: 1, fields: []field{
		opt("isError", isTrue()),
		opt("isClientError", isBool()),
		opt("isTimeoutError", isBool()),
		opt("errorContains", isString()),
		opt("errorCode", isInteger()),
		opt("errorCodeName", isString()),
		opt("errorLabelsContain", labels),
		opt("errorLabelsOmit", labels),
		opt("writeErrors", freeObject()),
		opt("writeConcernErrors", arrayOf(0, isDocument())),
		opt("errorResponse", freeObject()),
		opt("expectResult", anything()),
	}})
}

// expectedEventsForClientRule checks the events against the definitions of
// their eventType (command when absent).
func expectedEventsForClientRule() rule {
	return object(shape{
		fields: []field{
			req("client", isString()),
			opt("eventType", enum("command", "cmap", "sdam")),
			req("events", arrayOf(0, anything())),
			opt("ignoreExtraEvents", isBool()),
		},
		check: func(p string, d bson.Raw) error {
			item := expectedCommandEventRule()
			switch d.Lookup("eventType").StringValue() {
			case "cmap":
				item = expectedCmapEventRule()
			case "sdam":
				item = expectedSdamEventRule()
			}
			return arrayOf(0, item)(p+".events", d.Lookup("events"))
		},
	})
}

func expectedCommandEventRule() rule {
	common := func(extra ...field) rule {
		return fields(append(extra,
			opt("commandName", isString()),
			opt("databaseName", isString()),
			opt("hasServiceId", isBool()),
			opt("hasServerConnectionId", isBool()),
		)...)
	}
	return oneKeyOf(
		opt("commandStartedEvent", common(opt("command", freeObject()))),
		opt("commandSucceededEvent", common(opt("reply", freeObject()))),
		opt("commandFailedEvent", common()),
	)
}

func expectedCmapEventRule() rule {
	empty := fields()
	reason := fields(opt("reason", isString()))
	return oneKeyOf(
		opt("poolCreatedEvent", empty),
		opt("poolReadyEvent", empty),
		opt("poolClearedEvent", fields(opt("hasServiceId", isBool()), opt("interruptInUseConnections", isBool()))),
		opt("poolClosedEvent", empty),
		opt("connectionCreatedEvent", empty),
		opt("connectionReadyEvent", empty),
		opt("connectionClosedEvent", reason),
		opt("connectionCheckOutStartedEvent", empty),
		opt("connectionCheckOutFailedEvent", reason),
		opt("connectionCheckedOutEvent", empty),
		opt("connectionCheckedInEvent", empty),
	)
}

var (
	serverTypes = []string{"Standalone", "Mongos", "PossiblePrimary", "RSPrimary", "RSSecondary",
		"RSOther", "RSArbiter", "RSGhost", "LoadBalancer", "Unknown"}
	topologyTypes = []string{"Single", "Unknown", "ReplicaSetNoPrimary", "ReplicaSetWithPrimary",
		"Sharded", "LoadBalanced"}
)

func expectedSdamEventRule() rule {
	server := fields(opt("type", enum(serverTypes...)))
	topology := fields(opt("type", enum(topologyTypes...)))
	awaited := fields(opt("awaited", isBool()))
	return oneKeyOf(
		opt("serverDescriptionChangedEvent", fields(opt("previousDescription", server), opt("newDescription", server))),
		opt("topologyDescriptionChangedEvent", fields(opt("previousDescription", topology), opt("newDescription", topology))),
		opt("serverHeartbeatStartedEvent", awaited),
		opt("serverHeartbeatSucceededEvent", awaited),
		opt("serverHeartbeatFailedEvent", awaited),
		opt("topologyOpeningEvent", fields()),
		opt("topologyClosedEvent", fields()),
	)
}

// expectedEventRule accepts an expected event of any type, as the event
// argument of waitForEvent and assertEventCount.
func expectedEventRule() rule {
	return oneOf(expectedCommandEventRule(), expectedCmapEventRule(), expectedSdamEventRule())
}

func expectedLogMessagesForClientRule() rule {
	msg := fields(
		req("level", enum(logSeverities...)),
		req("component", enum("command", "topology", "serverSelection", "connection")),
		req("data", freeObject()),
		opt("failureIsRedacted", isBool()),
	)
	return fields(
		req("client", isString()),
		req("messages", arrayOf(0, msg)),
		opt("ignoreExtraMessages", isBool()),
		opt("ignoreMessages", arrayOf(0, msg)),
	)
}

func tracingRule() rule {
	return fields(
		req("client", isString()),
		opt("ignoreExtraSpans", isBool()),
		req("spans", arrayOf(1, spanRule)),
	)
}

// spanRule is recursive: a span's nested spans are spans.
func spanRule(p string, v bson.RawValue) error {
	return fields(
		req("name", isString()),
		req("attributes", freeObject()),
		opt("nested", arrayOf(1, spanRule)),
	)(p, v)
}
