package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bertserve/bertserve/internal/errs"
)

func TestCodeAndMessageSurviveWrapping(t *testing.T) {
	err := fmt.Errorf("embed: %w", errs.Field(errs.Invalid, "inputs", "must not be empty"))
	if got := errs.CodeOf(err); got != errs.Invalid {
		t.Errorf("code = %q", got)
	}
	if got := errs.Message(err); got != "inputs: must not be empty" {
		t.Errorf("message = %q", got)
	}
}

func TestUncodedErrorsAreInternalAndHidden(t *testing.T) {
	err := errors.New("cgo: onnxruntime segment 0x7f")
	if errs.CodeOf(err) != errs.Internal || errs.Message(err) != "Internal error." {
		t.Errorf("got %q %q", errs.CodeOf(err), errs.Message(err))
	}
}
