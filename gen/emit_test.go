package gen

import (
	"reflect"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// TestFieldGoNamesMatchContext keeps the emitter's field table in step with
// runtime.Context: generated code names the struct's fields by Field.
func TestFieldGoNamesMatchContext(t *testing.T) {
	ct := reflect.TypeFor[runtime.Context]()
	if ct.NumField() != int(runtime.NumFields) {
		t.Fatalf("runtime.Context has %d fields, runtime.NumFields is %d", ct.NumField(), runtime.NumFields)
	}
	for f := range runtime.NumFields {
		if got := ct.Field(int(f)).Name; got != fieldGoNames[f] {
			t.Errorf("field %v: Context field %d is %s, emitter says %s", f, f, got, fieldGoNames[f])
		}
	}
}
