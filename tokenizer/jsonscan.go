package tokenizer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner reads the two large parts of a tokenizer.json, model.vocab
// ({"piece": id, ...}) and model.merges (["a b", ...] or [["a","b"], ...]),
// several times faster than encoding/json, which made loading a 150k-piece
// vocabulary take most of a second. The rest of the file goes through
// encoding/json, which has already checked that these parts are valid JSON.
type jsonScanner struct {
	data []byte
	i    int
	base int // offset of data in the file, for errors; -1: do not report offsets
}

func (s *jsonScanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	if s.base < 0 { // no offset to report
		return fmt.Errorf(format, args...)
	}
	return fmt.Errorf("at byte %d: %w", s.base+s.i, fmt.Errorf(format, args...))
}

// expect consumes c after whitespace.
func (s *jsonScanner) expect(c byte) error {
	s.ws()
	if s.i >= len(s.data) || s.data[s.i] != c {
		return s.errorf("want %q", c)
	}
	s.i++
	return nil
}

// peek returns the next byte after whitespace, or 0 at the end.
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.i >= len(s.data) {
		return 0
	}
	return s.data[s.i]
}

// str reads a JSON string.
func (s *jsonScanner) str() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	start := s.i
	for s.i < len(s.data) {
		switch c := s.data[s.i]; {
		case c == '"':
			out := string(s.data[start:s.i])
			s.i++
			return out, nil
		case c == '\\':
			return s.slowStr(start)
		case c < 0x20:
			return "", s.errorf("control character in string")
		}
		s.i++
	}
	return "", s.errorf("unterminated string")
}

// slowStr finishes a string with escapes that started at start.
func (s *jsonScanner) slowStr(start int) (string, error) {
	out := append([]byte(nil), s.data[start:s.i]...)
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out), nil
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.data) {
			break
		}
		e := s.data[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return "", s.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if s.i+1 < len(s.data) && s.data[s.i] == '\\' && s.data[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					if lo, ok := s.hex4(); ok && utf16.DecodeRune(r, lo) != utf8.RuneError {
						r2 = utf16.DecodeRune(r, lo)
					} else {
						s.i = save
					}
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", s.errorf("bad escape \\%c", e)
		}
	}
	return "", s.errorf("unterminated string")
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.data[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(v), true
}

// integer reads a JSON value that must be an integer id: a string, a
// fraction or an exponent (1.5, 1e400) is ErrNotInteger, an integer too
// large for an int ErrIDRange.
func (s *jsonScanner) integer() (int, error) {
	s.ws()
	start := s.i
	if s.i < len(s.data) && s.data[s.i] == '"' {
		str, err := s.str()
		if err != nil {
			return 0, err
		}
		s.i = start
		return 0, s.errorf("id %q: %w (want a JSON number)", clip([]byte(str)), ErrNotInteger)
	}
	for s.i < len(s.data) && strings.IndexByte("+-0123456789.eE", s.data[s.i]) >= 0 {
		s.i++
	}
	tok := s.data[start:s.i]
	if len(tok) == 0 {
		end := min(s.i+10, len(s.data))
		return 0, s.errorf("id %s: %w", clip(s.data[s.i:end]), ErrNotInteger)
	}
	n, err := strconv.Atoi(string(tok))
	if err != nil {
		s.i = start
		if errors.Is(err, strconv.ErrRange) {
			return 0, s.errorf("id %s: %w", clip(tok), ErrIDRange)
		}
		return 0, s.errorf("id %s: %w", clip(tok), ErrNotInteger)
	}
	return n, nil
}

// parseID parses a JSON value (json.RawMessage) that must be an integer id.
func parseID(raw []byte) (int, error) {
	if len(raw) == 0 {
		return 0, fmt.Errorf("id: missing")
	}
	s := &jsonScanner{data: raw, base: -1}
	n, err := s.integer()
	if err != nil {
		return 0, err
	}
	if s.peek() != 0 {
		return 0, s.errorf("id %s: %w", clip(raw), ErrNotInteger)
	}
	return n, nil
}

// scanVocab reads {"piece": id, ...} in file order, with the byte offset of
// each entry.
func scanVocab(data []byte, base int) (pieces []string, ids []int, offs []int, err error) {
	s := &jsonScanner{data: data, base: base}
	if err := s.expect('{'); err != nil {
		return nil, nil, nil, err
	}
	if s.peek() == '}' {
		return nil, nil, nil, nil
	}
	for {
		s.ws()
		at := s.i
		p, err := s.str()
		if err != nil {
			return nil, nil, nil, err
		}
		if err := s.expect(':'); err != nil {
			return nil, nil, nil, err
		}
		id, err := s.integer()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("[%q] %w", p, err)
		}
		pieces, ids, offs = append(pieces, p), append(ids, id), append(offs, base+at)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			return pieces, ids, offs, nil
		default:
			return nil, nil, nil, s.errorf("want , or }")
		}
	}
}

// scanMerges reads ["left right", ...] or [["left", "right"], ...]. A
// string that is not two pieces separated by one space is returned with
// ok false at its index.
func scanMerges(data []byte, base int) (pairs [][2]string, bad int, err error) {
	s := &jsonScanner{data: data, base: base}
	bad = -1
	if err := s.expect('['); err != nil {
		return nil, -1, err
	}
	if s.peek() == ']' {
		return nil, -1, nil
	}
	for {
		var p [2]string
		if s.peek() == '[' {
			s.i++
			if p[0], err = s.str(); err != nil {
				return nil, -1, err
			}
			if err := s.expect(','); err != nil {
				return nil, -1, err
			}
			if p[1], err = s.str(); err != nil {
				return nil, -1, err
			}
			if err := s.expect(']'); err != nil {
				return nil, -1, err
			}
		} else {
			m, err := s.str()
			if err != nil {
				return nil, -1, err
			}
			l, r, ok := cutOnce(m)
			if !ok && bad < 0 {
				bad = len(pairs)
			}
			p = [2]string{l, r}
		}
		pairs = append(pairs, p)
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			return pairs, bad, nil
		default:
			return nil, -1, s.errorf("want , or ]")
		}
	}
}

// cutOnce splits "left right" at its only space.
func cutOnce(m string) (string, string, bool) {
	sp := -1
	for i := 0; i < len(m); i++ {
		if m[i] == ' ' {
			if sp >= 0 {
				return m, "", false
			}
			sp = i
		}
	}
	if sp <= 0 || sp == len(m)-1 {
		return m, "", false
	}
	return m[:sp], m[sp+1:], true
}
