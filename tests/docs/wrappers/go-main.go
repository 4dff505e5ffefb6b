// Wrapper for Go fragments (`<!-- sample: fragment of go-main -->`): package
// main, the imports a sample usually needs (kept even when unused), and the
// fragment as the body of main.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/securesocket/securesocket/core"
)

var (
	_ = errors.Is
	_ = fmt.Println
	_ = os.Exit
	_ = time.Second
	_ = core.NewQueue
)

func main() {
	// SAMPLE
}
