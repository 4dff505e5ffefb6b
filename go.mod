module github.com/securesocket/securesocket

go 1.26.0

toolchain go1.26.8

require golang.org/x/text v0.44.0

require github.com/youmark/pkcs8 v0.0.0-20240726163527-a2c0da244d78

require (
	github.com/mattn/go-pointer v0.0.1
	golang.org/x/crypto v0.59.0
	golang.org/x/net v0.63.0
	golang.org/x/sys v0.50.0
)
