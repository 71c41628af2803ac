module github.com/motor-go/motor/cmd/motor

go 1.26

require github.com/motor-go/motor v0.0.0

require (
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/xdg-go/scram v1.4.0 // indirect
	github.com/xdg-go/stringprep v1.0.4 // indirect
	golang.org/x/text v0.3.8 // indirect
)

replace github.com/motor-go/motor => ../..
