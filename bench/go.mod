module github.com/motor-go/motor/bench

go 1.26

require (
	github.com/motor-go/motor v0.0.0
	go.mongodb.org/mongo-driver/v2 v2.10.0
)

replace github.com/motor-go/motor => ../
