package samples

import "strconv"

// Kind is the kind of a data source: what a --data value names. A parsed
// Spec is KindPath, KindStdin or KindSample; a loaded Source is KindFile,
// KindDir, KindJSONL, KindStdin or KindSample (a path becomes a file, a
// directory or a JSONL file once it is looked at). The zero Kind is none of
// them.
type Kind int

const (
	KindSample Kind = iota + 1 // a built-in sample, sample:NAME
	KindFile                   // one plain text file
	KindDir                    // a directory of .txt and .md files
	KindJSONL                  // JSON lines: a .jsonl or .ndjson file, or stdin with --field
	KindStdin                  // plain text on standard input, "-"
	KindPath                   // a file or directory not yet looked at (Spec only)
)

var kindNames = [...]string{
	KindSample: "sample",
	KindFile:   "file",
	KindDir:    "dir",
	KindJSONL:  "jsonl",
	KindStdin:  "stdin",
	KindPath:   "path",
}

// String returns the word the CLI and the Dataset pane show: "sample",
// "file", "dir", "jsonl", "stdin" or "path".
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}
