package hf

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// maxHeader bounds a safetensors header: GPT-2 XL's is ~40 kB.
const maxHeader = 64 << 20

// stEntry is one tensor of a safetensors header.
type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int64  `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// dtypeSize is the byte size of the element types lmlab converts to float32.
var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8}

// stFile is an open safetensors file whose header has been checked: every
// tensor's offsets lie inside the data and match its shape and dtype.
type stFile struct {
	f       *os.File
	name    string
	entries map[string]stEntry
	data    int64 // offset of the data section
}

func openSafetensors(path string) (*stFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := readSTHeader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return st, nil
}

func readSTHeader(f *os.File, path string) (*stFile, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := info.Size()
	var lb [8]byte
	if _, err := f.ReadAt(lb[:], 0); err != nil {
		return nil, fmt.Errorf("%s: %d bytes, too short for a safetensors header; is it truncated?", path, size)
	}
	n := binary.LittleEndian.Uint64(lb[:])
	if n > uint64(size-8) || n > maxHeader {
		return nil, fmt.Errorf("%s: header claims %d bytes but the file has %d (limit %d); the file is truncated or not safetensors", path, n, size-8, maxHeader)
	}
	hb := make([]byte, n)
	if _, err := f.ReadAt(hb, 8); err != nil {
		return nil, fmt.Errorf("%s: reading the header: %v", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hb, &raw); err != nil {
		return nil, fmt.Errorf("%s: header is not a JSON object (%v); not a safetensors file?", path, err)
	}
	delete(raw, "__metadata__")
	st := &stFile{f: f, name: path, entries: make(map[string]stEntry, len(raw)), data: 8 + int64(n)}
	dataLen := size - st.data
	for name, r := range raw {
		var e stEntry
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: malformed entry: %v", path, name, err)
		}
		es, ok := dtypeSize[e.DType]
		if !ok {
			return nil, fmt.Errorf("%s: tensor %q has dtype %s; lmlab reads F32, F16, BF16 and F64", path, name, e.DType)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && count > dataLen/d) {
				return nil, fmt.Errorf("%s: tensor %q has shape %v, larger than the file", path, name, e.Shape)
			}
			count *= d
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b || end > dataLen || end-b != count*es {
			return nil, fmt.Errorf("%s: tensor %q has data offsets [%d, %d] outside the %d data bytes or not matching shape %v; the file is truncated or corrupt", path, name, b, end, dataLen, e.Shape)
		}
		st.entries[name] = e
	}
	return st, nil
}

func (st *stFile) Close() error { return st.f.Close() }

// names returns the tensor names in sorted order, for stable errors.
func (st *stFile) names() []string {
	out := make([]string, 0, len(st.entries))
	for n := range st.entries {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// read converts tensor name into dst (len = its element count), chunk by
// chunk through buf.
func (st *stFile) read(name string, dst []float32, buf *[]byte) error {
	e := st.entries[name]
	if int64(len(dst))*dtypeSize[e.DType] != e.Offsets[1]-e.Offsets[0] {
		panic("hf: read: destination does not match the tensor")
	}
	return st.readFrom(name, 0, dst, buf)
}

// readFrom converts elements [from, from+len(dst)) of tensor name into dst.
func (st *stFile) readFrom(name string, from int64, dst []float32, buf *[]byte) error {
	e := st.entries[name]
	es := dtypeSize[e.DType]
	off := st.data + e.Offsets[0] + from*es
	if from < 0 || off+int64(len(dst))*es > st.data+e.Offsets[1] {
		panic("hf: readFrom: range outside the tensor")
	}
	for len(dst) > 0 {
		n := min(len(dst), cap(*buf)/int(es))
		b := (*buf)[:n*int(es)]
		if _, err := st.f.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && len(b) > 0) {
			return fmt.Errorf("%s: tensor %q: %v; the file is truncated", st.name, name, err)
		}
		decode(dst[:n], b, e.DType)
		dst, off = dst[n:], off+int64(len(b))
	}
	return nil
}

// decode converts little-endian elements of dtype in b to float32.
func decode(dst []float32, b []byte, dtype string) {
	switch dtype {
	case "F32":
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "F64":
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case "BF16":
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case "F16":
		for i := range dst {
			dst[i] = halfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
}

// halfToFloat converts an IEEE 754 binary16 to float32 exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac · 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// writeSafetensors writes tensors (F32, in the given order) with metadata
// to w: the 8-byte header length, the JSON header padded to 8 bytes, the data.
func writeSafetensors(w io.Writer, tensors []outTensor, meta map[string]string) error {
	header := map[string]any{}
	if meta != nil {
		header["__metadata__"] = meta
	}
	var off int64
	for _, t := range tensors {
		n := int64(len(t.data)) * 4
		header[t.name] = stEntry{DType: "F32", Shape: t.shape, Offsets: [2]int64{off, off + n}}
		off += n
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for (8+len(hj))%8 != 0 {
		hj = append(hj, ' ')
	}
	var lb [8]byte
	binary.LittleEndian.PutUint64(lb[:], uint64(len(hj)))
	if _, err := w.Write(lb[:]); err != nil {
		return err
	}
	if _, err := w.Write(hj); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, t := range tensors {
		for _, v := range t.data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err = w.Write(buf)
	return err
}

// outTensor is one tensor to write.
type outTensor struct {
	name  string
	shape []int64
	data  []float32
}
