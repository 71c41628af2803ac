module github.com/motor-go/motor

go 1.26

require (
	github.com/klauspost/compress v1.20.4
	github.com/xdg-go/scram v1.4.0
	github.com/xdg-go/stringprep v1.0.4
)

require golang.org/x/text v0.3.8 // indirect
