module github.com/motor-go/motor

go 1.26
