package hf

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseConfig: any config.json is a valid engine.Config or a one-line
// error, never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"vocab_size":40,"n_positions":16,"n_embd":16,"n_layer":2,"n_head":4}`))
	f.Add([]byte(`{"vocab_size":40,"n_ctx":16,"n_embd":16,"n_layer":2,"n_head":3,"n_inner":null}`))
	f.Add([]byte(`{"vocab_size":1e99}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parseConfig(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Errorf("accepted an invalid config %+v: %v", cfg, verr)
		}
	})
}

// FuzzSafetensorsHeader: any file is a checked header or an error; every
// tensor accepted lies inside the file and reads without a panic.
func FuzzSafetensorsHeader(f *testing.F) {
	seed := func(header string, data int) []byte {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
		return append(append(b, header...), make([]byte, data)...)
	}
	f.Add(seed(`{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`, 16))
	f.Add(seed(`{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"__metadata__":{"format":"pt"}}`, 6))
	f.Add(seed(`{"a":{"dtype":"BF16","shape":[4611686018427387904,4],"data_offsets":[0,8]}}`, 8))
	f.Add(seed(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, 2))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, file []byte) {
		p := filepath.Join(t.TempDir(), "m.safetensors")
		if err := os.WriteFile(p, file, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := openSafetensors(p)
		if err != nil {
			return
		}
		defer st.Close()
		buf := make([]byte, 0, 64)
		for _, name := range st.names() {
			e := st.entries[name]
			n := (e.Offsets[1] - e.Offsets[0]) / dtypeSize[e.DType]
			if err := st.read(name, make([]float32, n), &buf); err != nil {
				t.Errorf("tensor %q accepted but unreadable: %v", name, err)
			}
		}
	})
}
