package samples

import (
	"fmt"
	"testing"
)

func TestKindString(t *testing.T) {
	tests := []struct {
		kind Kind
		want string
	}{
		{KindSample, "sample"},
		{KindFile, "file"},
		{KindDir, "dir"},
		{KindJSONL, "jsonl"},
		{KindStdin, "stdin"},
		{KindPath, "path"},
		{0, "Kind(0)"},
		{KindPath + 1, fmt.Sprintf("Kind(%d)", int(KindPath)+1)},
		{-1, "Kind(-1)"},
	}
	for _, tt := range tests {
		if got := tt.kind.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.kind), got, tt.want)
		}
	}
}
