package tokenizer

import (
	"fmt"
	"strconv"
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
	return fmt.Errorf("at byte %d: %s", s.i, fmt.Sprintf(format, args...))
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

// integer reads a JSON number that must be an integer.
func (s *jsonScanner) integer() (int, error) {
	s.ws()
	start := s.i
	if s.i < len(s.data) && s.data[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.data) && '0' <= s.data[s.i] && s.data[s.i] <= '9' {
		s.i++
	}
	n, err := strconv.Atoi(string(s.data[start:s.i]))
	if err != nil {
		return 0, s.errorf("want an integer id")
	}
	return n, nil
}

// scanVocab reads {"piece": id, ...} in file order.
func scanVocab(data []byte) (pieces []string, ids []int, err error) {
	s := &jsonScanner{data: data}
	if err := s.expect('{'); err != nil {
		return nil, nil, err
	}
	if s.peek() == '}' {
		return nil, nil, nil
	}
	for {
		p, err := s.str()
		if err != nil {
			return nil, nil, err
		}
		if err := s.expect(':'); err != nil {
			return nil, nil, err
		}
		id, err := s.integer()
		if err != nil {
			return nil, nil, fmt.Errorf("%q: %w", p, err)
		}
		pieces, ids = append(pieces, p), append(ids, id)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			return pieces, ids, nil
		default:
			return nil, nil, s.errorf("want , or }")
		}
	}
}

// scanMerges reads ["left right", ...] or [["left", "right"], ...]. A
// string that is not two pieces separated by one space is returned with
// ok false at its index.
func scanMerges(data []byte) (pairs [][2]string, bad int, err error) {
	s := &jsonScanner{data: data}
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
