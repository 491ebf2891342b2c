package lab

import (
	"slices"
	"strings"

	"lmlab/samples"
)

// MaxProbes caps the probe prompts a fine-tune comparison shows.
const MaxProbes = 6

// ProbePrompts are the prompts that show what fine-tuning changed: the
// probes of the built-in samples in use, newest source first (a domain
// sample added to a pretraining one leads), else the openings of a few
// validation lines, as lmlab finetune takes them.
func ProbePrompts(c *samples.Corpus) []string {
	var out []string
	enabled := c.Enabled()
	for i := len(enabled) - 1; i >= 0; i-- {
		src := enabled[i]
		if src.Kind != samples.KindSample {
			continue
		}
		smp, err := samples.Lookup(strings.TrimPrefix(src.Name, "sample:"))
		if err != nil {
			continue
		}
		for _, p := range smp.Probes {
			if !slices.Contains(out, p) && len(out) < MaxProbes {
				out = append(out, p)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, src := range enabled {
		lines := strings.Split(src.ValText, "\n")
		if src.TrainText != "" && !strings.HasSuffix(src.TrainText, "\n") {
			lines = lines[1:] // split inside a line: its start is in the training text
		}
		for _, line := range lines {
			words := strings.Fields(line)
			if len(words) < 4 {
				continue
			}
			p := strings.Join(words[:min(len(words)/2, 6)], " ") // ends in a word: the next one carries its space
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
			if len(out) == 3 {
				return out
			}
		}
	}
	return out
}
