package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"lmlab/engine"
	"lmlab/tokenizer"
)

// Attention pictures: one heat map per layer (rows) and head (columns),
// tilePx pixels square plus room for the token labels, the whole picture
// capped at maxPicturePx a side.
const (
	tilePx       = 320
	maxPicturePx = 6000
)

// attentionGrid is one head's attention as a heat map: column k is the key,
// row r the query T−1−r (so the first query is at the top); keys after the
// query are NaN (drawn blank).
type attentionGrid [][]float32

func (g attentionGrid) Dims() (c, r int) { return len(g), len(g) }
func (g attentionGrid) X(c int) float64  { return float64(c) }
func (g attentionGrid) Y(r int) float64  { return float64(r) }
func (g attentionGrid) Z(c, r int) float64 {
	q := len(g) - 1 - r
	if c > q {
		return nanValue
	}
	return float64(g[q][c])
}
func (g attentionGrid) Min() float64 { return 0 }
func (g attentionGrid) Max() float64 { return 1 }

var nanValue = math.NaN()

// attentionPlots builds the heat maps of ins, every layer and head, with the
// tokens as tick labels and titles counted from 1 (layerHead), as the text
// output and the workbench count.
func attentionPlots(tok tokenizer.Tokenizer, ins engine.Inspection) [][]*plot.Plot {
	T := len(ins.Tokens)
	var xt, yt []plot.Tick
	for i, id := range ins.Tokens {
		l := label(tok, id, 10)
		xt = append(xt, plot.Tick{Value: float64(i), Label: l})
		yt = append(yt, plot.Tick{Value: float64(T - 1 - i), Label: l})
	}
	pal := reversed(palette.Heat(64, 1)) // light: 0, dark red: 1
	var rows [][]*plot.Plot
	for l, heads := range ins.Attention {
		var row []*plot.Plot
		for h, att := range heads {
			p := plot.New()
			p.Title.Text = layerHead(l, len(ins.Attention), h, len(heads))
			hm := plotter.NewHeatMap(attentionGrid(att), pal)
			hm.NaN = color.White
			p.Add(hm)
			p.X.Label.Text = "key"
			p.Y.Label.Text = "query"
			p.X.Tick.Marker = plot.ConstantTicks(xt)
			p.Y.Tick.Marker = plot.ConstantTicks(yt)
			p.X.Tick.Label.Rotation = 1.2
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YCenter
			p.X.Min, p.X.Max = -0.5, float64(T)-0.5
			p.Y.Min, p.Y.Max = -0.5, float64(T)-0.5
			row = append(row, p)
		}
		rows = append(rows, row)
	}
	return rows
}

// drawAttentionPNG writes the heat maps of ins as one PNG, marked as
// lmlab's (markPNG), and returns its size in pixels.
func drawAttentionPNG(dst io.Writer, tok tokenizer.Tokenizer, ins engine.Inspection) (w, h int, err error) {
	plots := attentionPlots(tok, ins)
	if len(plots) == 0 || len(plots[0]) == 0 {
		return 0, 0, errors.New("the model has no attention to draw")
	}
	w = min(len(plots[0])*tilePx, maxPicturePx)
	h = min(len(plots)*tilePx, maxPicturePx)
	wl, hl := vg.Length(w)*72/plotDPI, vg.Length(h)*72/plotDPI
	c := vgimg.NewWith(vgimg.UseWH(wl, hl), vgimg.UseDPI(plotDPI))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Points(6), PadY: vg.Points(6),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	canvases := plot.Align(plots, tiles, dc)
	for i, row := range plots {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return 0, 0, err
	}
	_, err = dst.Write(markPNG(buf.Bytes()))
	return w, h, err
}

// writePNGFlag writes a picture to the path given with flag (--png),
// through a temporary file renamed over it. An existing file that is not a
// PNG lmlab drew is refused unless force.
func writePNGFlag(flag, path string, force bool, write func(io.Writer) error) error {
	if !strings.EqualFold(filepath.Ext(path), ".png") {
		return fmt.Errorf("%s %s: the picture's name must end in .png", flag, path)
	}
	return writeFileSafely(flag, path, force, "png", write)
}

// reversed is p's colours in the opposite order.
type reversedPalette []color.Color

func (p reversedPalette) Colors() []color.Color { return p }

func reversed(p palette.Palette) palette.Palette {
	cs := p.Colors()
	out := make(reversedPalette, len(cs))
	for i, c := range cs {
		out[len(cs)-1-i] = c
	}
	return out
}
